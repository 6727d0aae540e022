// Headless Chromium test of `borderscape serve`: the page loads, MapLibre fires `load`, a layer
// toggles, a click on a border (and then beside it, on a county) opens the detail panel, and the
// panel agrees with the API; the language switch re-labels the page in Chinese and back; the
// land-cover choropleths show with their legends in both languages; the border found through the
// search opens a profile card whose figures agree with the results tables (screenshot saved).
//
// Usage: node dashboard.test.mjs BORDERSCAPE_BINARY RESULTS_DIR ARTIFACTS_DIR
// (scripts/test runs it on the demo's results; the screenshot lands in ARTIFACTS_DIR).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const [binary, results, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node dashboard.test.mjs BORDERSCAPE_BINARY RESULTS_DIR ARTIFACTS_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

async function json(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return response.json();
}

const col = (table, name) => table.columns.findIndex((c) => c.name === name);

/** Checks the open border profile against the results: its conflicts (all versions, and each
 * version's total) against the rows of the conflicts layer, the arrangements covering it against
 * border_governance, the compensation balances against compensation_balances; integers print as
 * integers and loads carry their unit. Returns the border's detail. */
async function checkProfile(page, url, a, b) {
  await page.waitForSelector(`#detail[data-a="${a}"][data-b="${b}"] #profile`, { timeout: 30_000 });
  const border = `${a < b ? a : b}|${a < b ? b : a}`;
  const conflictRows = async (query) => (await json(`${url}api/tables/conflicts?border=${encodeURIComponent(border)}&limit=1${query}`)).total;
  assert.equal(Number(await page.getAttribute('#profile [data-section="conflicts"]', 'data-conflicts')), await conflictRows(''));
  for (const [plan, total] of await page.$$eval('#profile [data-plan-total]', (ths) => ths.map((th) => [th.dataset.planTotal, th.textContent]))) {
    assert.equal(total, String(await conflictRows(`&plan=${encodeURIComponent(plan)}`)), `plan version ${plan || '(networks)'}`);
  }
  const [lo, hi] = border.split('|');
  const governance = await json(`${url}api/tables/border_governance?a=${lo}&b=${hi}`);
  const arrangements = governance.rows.length ? governance.rows[0][col(governance, 'arrangements')] : 0;
  assert.equal(Number(await page.getAttribute('#profile [data-arrangements]', 'data-arrangements')), arrangements);
  const detail = await json(`${url}api/borders/${a}/${b}`);
  const balances = (detail.analyses.compensation?.compensation_balances ?? [])
    .flatMap((m) => m.rows.map((r) => Math.round(Math.abs(r[col(m, 'net_to_a_yuan')]))));
  assert.deepEqual(await page.$$eval('#profile [data-net-yuan]', (ps) => ps.map((p) => Number(p.dataset.netYuan))), balances);
  assert.ok(!(await page.textContent('#profile')).match(/\d\.0\b/), 'integers print as integers');
  const headers = await page.$$eval('#profile th', (ths) => ths.map((th) => th.textContent));
  if (await page.$('#profile [data-section="flows"] table')) assert.ok(headers.some((h) => h.endsWith('(kg/yr)')), headers.join(' / '));
  return { arrangements, balances: balances.length, conflicts: await conflictRows('') };
}

/** A screenshot of the whole profile card (the page made tall enough to hold it). */
async function profileScreenshot(page, path) {
  const size = page.viewportSize();
  const height = await page.$eval('#profile', (p) => p.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, height + 300) });
  await page.locator('#profile').screenshot({ path });
  await page.setViewportSize(size);
}

const { server, url } = await startServer(binary, [results]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // WebGL through SwiftShader (software); the rest keeps Chromium off the closed network.
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic'],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  const outside = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url()); });

  // The API on the demo: content types, unknown paths and `..` refused, as JSON.
  const layer = await fetch(`${url}api/layers/borders?limit=1`);
  assert.equal(layer.headers.get('content-type'), 'application/geo+json');
  const missing = await fetch(`${url}api/layers/nothing`);
  assert.equal(missing.status, 404);
  assert.ok((await missing.json()).error);
  // (fetch normalises a plain `..` away; an encoded slash keeps it in the path that is sent.)
  const traversal = await fetch(`${url}vendor/..%2f..%2fsummary.json`);
  assert.equal(traversal.status, 400);
  assert.match((await traversal.json()).error, /`\.\.`/);

  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.mapReady === 'true', null, { timeout: 120_000 });
  assert.ok(await page.evaluate(() => window.borderscape.map.loaded()), 'MapLibre reports the map as loaded');
  assert.deepEqual(errors, [], 'no script errors');
  assert.deepEqual(outside, [], 'no request leaves the server');

  // Headline figures agree with the summary.
  const summary = await json(`${url}api/summary`);
  const conflicts = await page.textContent('[data-figure="conflicts"] b');
  assert.equal(conflicts, String(summary.analyses.conflicts.results.conflicts));

  // Toggle a layer on and off.
  const visibility = (id) => page.evaluate((l) => window.borderscape.map.getLayoutProperty(l, 'visibility'), id);
  assert.equal(await visibility('border_zones'), 'none');
  await page.click('#toggle-border_zones');
  assert.equal(await visibility('border_zones'), 'visible');
  await page.click('#toggle-border_zones');
  assert.equal(await visibility('border_zones'), 'none');

  // Click a cross-province county border at a vertex in its middle, zoomed in.
  const borders = await json(`${url}api/layers/borders?level=county&kind=edge&cross_province=true&limit=1`);
  const border = borders.features[0];
  const line = border.geometry.coordinates.reduce((longest, l) => (l.length > longest.length ? l : longest));
  const vertex = line[Math.floor(line.length / 2)];
  await page.evaluate(([lon, lat]) => new Promise((done) => {
    const { map } = window.borderscape;
    map.once('idle', done);
    map.jumpTo({ center: [lon, lat], zoom: 12 });
  }), vertex);
  const point = await page.evaluate((v) => window.borderscape.map.project(v), vertex);
  const canvas = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(canvas.x + point.x, canvas.y + point.y);
  await page.waitForSelector('#detail[data-kind="border"]', { timeout: 30_000 });
  const { a, b } = border.properties;
  assert.equal(await page.getAttribute('#detail', 'data-a'), a);
  assert.equal(await page.getAttribute('#detail', 'data-b'), b);
  const clickedProfile = await checkProfile(page, url, a, b);
  await profileScreenshot(page, join(artifacts, 'border-profile-clicked.png'));

  // The panel shows every table the API has for this border, with the API's row counts.
  const detail = await json(`${url}api/borders/${a}/${b}`);
  assert.ok((await page.textContent('#detail h2')).includes(detail.a_name));
  const expected = [];
  for (const tables of Object.values(detail.analyses)) {
    for (const [table, matches] of Object.entries(tables)) for (const m of matches) expected.push([table, String(m.total)]);
  }
  const shown = await page.$$eval('#detail details', (s) => s.map((x) => [x.dataset.table, x.dataset.total]));
  assert.deepEqual(shown, expected);
  assert.ok(expected.some(([t]) => t === 'conflicts_by_border' || t === 'border_governance'), 'the border has analysis rows');

  // Click beside the border, inside one of its two counties, whose panel opens. The open panel
  // may still be resizing or moving the map: wait until it is still, measure the canvas again,
  // and take the first point 40–80 px to either side that the map itself places in a or b (a
  // third county can lie within 40 px of a vertex near a corner).
  const next = line[Math.floor(line.length / 2) + 1];
  const beside = await page.evaluate(([v, w, a, b]) => new Promise((done) => {
    const { map } = window.borderscape;
    const pick = () => {
      const [p, q] = [map.project(v), map.project(w)];
      const length = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      for (const d of [40, -40, 60, -60, 80, -80]) {
        const point = [p.x - ((q.y - p.y) / length) * d, p.y + ((q.x - p.x) / length) * d];
        const at = (layer) => map.queryRenderedFeatures(point, { layers: [layer] });
        const unit = at('counties')[0];
        if (at('borders-hit').length === 0 && unit && [a, b].includes(unit.properties.code)) {
          return done({ x: point[0], y: point[1] });
        }
      }
      return done(null);
    };
    map.once('idle', pick);
    map.resize();
    map.triggerRepaint();
  }), [vertex, next, a, b]);
  assert.ok(beside, `a point beside ${a}|${b} that lies in one of them`);
  const settled = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(settled.x + beside.x, settled.y + beside.y);
  await page.waitForSelector('#detail[data-kind="jurisdiction"]', { timeout: 30_000 });
  const code = await page.getAttribute('#detail', 'data-code');
  assert.ok([a, b].includes(code), `clicked beside ${a}|${b}, got ${code}`);
  const unit = await json(`${url}api/jurisdictions/${code}`);
  const unitTables = await page.$$eval('#detail details', (s) => s.map((x) => [x.dataset.table, x.dataset.total]));
  assert.deepEqual(unitTables, Object.entries(unit.tables).map(([t, m]) => [t, String(m.total)]));

  // The language switch re-labels the legend, the panel headings, the headline figures, the
  // layer toggles and the open panel, from the report's own labels; and back.
  const labels = await json(`${url}labels.json`);
  await page.selectOption('#lang', 'zh');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('#legend p'), labels.zh['dash.legend']);
  assert.deepEqual(await page.$$eval('#sidebar h2', (hs) => hs.map((h) => h.textContent)),
    ['dash.layers', 'dash.find_border', 'dash.landcover', 'dash.timeline'].map((k) => labels.zh[k]));
  assert.ok((await page.textContent('[data-figure="conflicts"]')).includes(labels.zh['dash.fig.conflicts']));
  assert.equal(await page.textContent('[data-figure="conflicts"] b'), String(summary.analyses.conflicts.results.conflicts));
  assert.ok((await page.textContent('label:has(#toggle-borders)')).includes(labels.zh['dash.layer.borders']));
  const zhPanel = await page.$$eval('#detail details', (s) => s.map((x) => [x.dataset.table, x.querySelector('summary').textContent]));
  for (const [table, text] of zhPanel) {
    if (labels.zh[`table.${table}`]) assert.ok(text.includes(labels.zh[`table.${table}`]), `panel heading of ${table}: ${text}`);
  }
  const headers = await page.$$eval('#detail th', (ths) => ths.map((th) => th.textContent));
  assert.ok(headers.includes(labels.zh['column.code']), `panel columns in Chinese: ${headers.slice(0, 5)}`);
  await page.screenshot({ path: join(artifacts, 'dashboard-zh.png') });
  await page.selectOption('#lang', 'en');
  assert.equal(await page.textContent('#legend p'), labels.en['dash.legend']);
  assert.equal(await page.textContent('#sidebar h2'), labels.en['dash.layers']);

  await page.evaluate(() => new Promise((done) => {
    const { map } = window.borderscape;
    map.once('idle', done);
    map.fitBounds([[115.2, 27.4], [122.3, 34.9]], { animate: false });
  }));
  await page.screenshot({ path: join(artifacts, 'dashboard.png') });

  // Land cover (issue 19): the ESV choropleth with its legend in both languages, its resolution
  // stated, and the county of the highest value in the top class's colour; then CUT.
  const esvTable = await json(`${url}api/tables/landcover_esv?level=county`);
  const lastYear = Math.max(...esvTable.rows.map((r) => r[col(esvTable, 'year')]));
  const esvRows = esvTable.rows.filter((r) => r[col(esvTable, 'year')] === lastYear);
  const top = esvRows.reduce((x, y) => (y[col(esvTable, 'esv_yuan_per_ha')] > x[col(esvTable, 'esv_yuan_per_ha')] ? y : x));
  await page.selectOption('#choropleth', 'esv');
  assert.equal(await visibility('landcover'), 'visible');
  const legendTitle = () => page.textContent('#choropleth-legend .legend-title');
  assert.equal(await legendTitle(), `${labels.en['column.esv_yuan_per_ha']} (yuan/ha/yr), ${lastYear}`);
  const cellSize = summary.analyses.landcover.results.years.find((y) => y.year === lastYear).cell_size.split(' (')[0];
  assert.ok((await page.textContent('#resolution')).includes(cellSize), `resolution stated: ${cellSize}`);
  assert.match(await page.textContent('#resolution'), /^Land cover .* ≈ \d+(\.\d)? × \d+(\.\d)? km/);
  const swatches = await page.$$eval('#choropleth-legend .swatch', (s) => s.map((x) => getComputedStyle(x).backgroundColor));
  const topColour = await page.evaluate((code) => {
    const paint = window.borderscape.map.getPaintProperty('landcover', 'fill-color');
    return paint[paint.indexOf(code) + 1];
  }, top[col(esvTable, 'code')]);
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  assert.equal(rgb(topColour), swatches.at(-2), 'the highest ESV per ha is in the top class (the last swatch is "no value")');
  await page.selectOption('#lang', 'zh');
  assert.equal(await legendTitle(), `${labels.zh['column.esv_yuan_per_ha']} (${labels.zh['unit.yuan/ha/yr']}), ${lastYear}`);
  assert.ok((await page.textContent('#resolution')).startsWith(labels.zh['dash.lc_resolution'].split('{')[0]));
  assert.equal(await page.textContent('#landcover h2'), labels.zh['dash.landcover']);
  await page.selectOption('#choropleth', 'cut');
  assert.ok((await legendTitle()).startsWith(labels.zh['column.cut_mesh_km2']));
  await page.evaluate(() => new Promise((done) => {
    const { map } = window.borderscape;
    map.once('idle', done);
    map.triggerRepaint();
  }));
  await page.screenshot({ path: join(artifacts, 'dashboard-landcover-zh.png') });
  await page.selectOption('#lang', 'en');
  assert.ok((await legendTitle()).startsWith(labels.en['column.cut_mesh_km2']));
  await page.selectOption('#choropleth', 'none');
  assert.equal(await visibility('landcover'), 'none');

  // Border profile (issue 23): the border with most conflicts, found through the search box.
  const byBorder = await json(`${url}api/tables/conflicts_by_border`);
  const perBorder = new Map();
  for (const r of byBorder.rows) {
    const key = `${r[col(byBorder, 'a')]}|${r[col(byBorder, 'b')]}`;
    perBorder.set(key, (perBorder.get(key) ?? 0) + r[col(byBorder, 'conflicts')]);
  }
  const [worst] = [...perBorder].sort((x, y) => y[1] - x[1])[0];
  const [wa, wb] = worst.split('|');
  const option = await page.$eval('#border-list', (list, key) => [...list.options].map((o) => o.value).find((v) => v.endsWith(`(${key})`)), worst);
  await page.fill('#border-search', option);
  await page.dispatchEvent('#border-search', 'change');
  const worstProfile = await checkProfile(page, url, wa, wb);
  assert.equal(worstProfile.conflicts, perBorder.get(worst));
  // The report link follows the language and opens.
  const config = await json(`${url}api/config`);
  for (const language of ['zh', 'en']) {
    await page.selectOption('#lang', language);
    const href = await page.getAttribute('#profile-report', 'href');
    assert.equal(href, `${config.reports[language] ?? '/report.html'}#border-${wa}-${wb}`);
    assert.equal((await fetch(new URL(href, url))).status, 200, href);
    if (language === 'zh') {
      assert.equal(await page.textContent('#profile [data-section="conflicts"] h3'), labels.zh['ui.conflicts_by_type']);
      await profileScreenshot(page, join(artifacts, 'border-profile-zh.png'));
    }
  }
  await profileScreenshot(page, join(artifacts, 'border-profile.png'));
  assert.deepEqual(errors, [], 'no script errors');
  console.log(`browser test passed: border ${a}|${b} (${expected.length} tables in the panel), county ${code}; profile ${JSON.stringify(clickedProfile)}; profile of ${worst} ${JSON.stringify(worstProfile)}; screenshots in ${artifacts}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.kill();
}
process.exit(failed ? 1 : 0);
