// Headless Chromium test of the report: `borderscape report` renders the demo's results in English
// and Chinese and prints both to PDF; each page opens with findings that agree with the results
// (the conflict total and the compensation balances of summary.json, the top border of
// tables/conflicts_by_border.csv), shows no raw JSON, no code names in headings, legends, axes or
// table headers and no integer printed with decimals; the PDFs are A4 with their sections on
// their own pages and the report's title on the first; the land-cover finding and section state
// the raster's cell size; the four answers of the study open it (screenshots of that chapter in
// both languages). Screenshots of both first pages and of a
// border profile, and the PDFs, are the artifacts.
//
// Usage: node report.test.mjs BORDERSCAPE_BINARY RESULTS_DIR ARTIFACTS_DIR
// (scripts/test runs it on the demo's results; needs Debian's chromium and poppler-utils).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [binary, results, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node report.test.mjs BORDERSCAPE_BINARY RESULTS_DIR ARTIFACTS_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

/** A CSV file of the results as objects (the fields tested hold no quoted commas). */
function csv(name) {
  const [header, ...lines] = readFileSync(join(results, 'tables', `${name}.csv`), 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}

const summary = JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8'));
const names = Object.fromEntries(csv('jurisdictions').map((j) => [j.code, j.name]));
const grouped = (x) => {
  const n = Math.round(Math.abs(x));
  return n >= 10000 ? n.toLocaleString('en-US') : String(n);
};

// The border with the most conflicts in the latest plan version plus the network conflicts,
// among the borders of the highest level that has any (issue 40: ranked within each level).
const byBorder = csv('conflicts_by_border');
const latest = byBorder.map((r) => r.plan).filter((p) => p).sort().at(-1);
const topLevel = ['cross_province', 'cross_city', 'within_city', 'shared_water_body']
  .find((level) => byBorder.some((r) => r.border_level === level));
const counts = new Map();
for (const r of byBorder) {
  if (r.border_level === topLevel && (r.plan === '' || r.plan === latest)) {
    const key = `${r.a}|${r.b}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(r.conflicts));
  }
}
const [topKey, topCount] = [...counts].sort((x, y) => y[1] - x[1])[0];
assert.notEqual([...counts.values()].filter((n) => n === topCount).length, 0);
const [topA, topB] = topKey.split('|');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
let failed = false;
try {
  for (const lang of ['en', 'zh']) {
    const html = resolve(artifacts, `report.${lang}.html`);
    const pdf = resolve(artifacts, `report.${lang}.pdf`);
    execFileSync(binary, ['report', results, '--lang', lang, '--out', html, '--pdf', pdf, '--quiet'], { stdio: 'inherit' });

    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const outside = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) outside.push(r.url()); });
    await page.goto(pathToFileURL(html).href);
    assert.equal(await page.getAttribute('html', 'lang'), lang === 'zh' ? 'zh-CN' : 'en');
    assert.deepEqual(outside, [], `${lang}: the report fetches nothing`);

    // The study's four questions first (issue 40), each saying what it rests on; then the
    // findings, which agree with the results.
    const first = await page.evaluate(() => document.querySelector('section').id);
    assert.equal(first, 'meta-governance', `${lang}: the four answers come first`);
    const answers = await page.$$eval('#meta-governance .answer', (items) =>
      items.map((a) => [a.dataset.question, a.dataset.provenance, a.textContent]));
    assert.deepEqual(answers.map((a) => a[0]), ['a', 'b', 'c', 'd'], `${lang}: four answers`);
    for (const [q, provenance, text] of answers) {
      assert.ok(['observed', 'template', 'synthetic', 'mixed'].includes(provenance), `${lang}: (${q}) ${provenance}`);
      assert.ok(text.length > 40, `${lang}: (${q}) answered: «${text}»`);
    }
    const periodisations = summary.analyses.governance?.results?.periodisations ?? [];
    for (const p of periodisations) {
      assert.ok(answers[1][2].includes(p.name), `${lang}: periodisation ${p.name} in answer (b)`);
    }
    await page.locator('#meta-governance').screenshot({ path: join(artifacts, `metagovernance-${lang}.png`) });
    const finding = (id) => page.$$eval(`li[data-finding="${id}"]`, (items) => items.map((li) => li.textContent));
    const total = summary.analyses.conflicts.results.conflicts;
    const [totalText] = await finding('conflict_total');
    assert.ok(totalText.includes(grouped(total)), `${lang}: conflict total ${total} in «${totalText}»`);
    const [topText] = await finding('top_border');
    assert.ok(topText.includes(`${names[topA]} | ${names[topB]}`) && topText.includes(String(topCount)),
      `${lang}: top border ${topKey} (${topCount}) in «${topText}»`);
    const firstRow = await page.$eval('#findings-top ~ table tr[data-a]', (tr) => [tr.dataset.a, tr.dataset.b]);
    assert.deepEqual(firstRow, [topA, topB], `${lang}: the top border heads the table`);
    const balances = await finding('balance');
    const expected = summary.analyses.compensation.results.balances;
    assert.equal(balances.length, expected.length);
    expected.forEach((b, k) => {
      const [payer, payee] = b.net_to_a_yuan < 0 ? [b.a, b.b] : [b.b, b.a];
      const text = balances[k];
      assert.ok(text.includes(grouped(b.net_to_a_yuan)), `${lang}: balance amount in «${text}»`);
      assert.ok(text.indexOf(names[payer]) >= 0 && text.indexOf(names[payer]) < text.indexOf(names[payee]),
        `${lang}: ${names[payer]} pays ${names[payee]} in «${text}»`);
    });
    // Land cover: its finding, and the raster's resolution stated in its section (issue 19).
    const landcover = summary.analyses.landcover?.results;
    if (landcover) {
      const [lcText] = await finding('landcover');
      assert.ok(lcText, `${lang}: a land-cover finding`);
      const note = await page.textContent('#sec-landcover p.note');
      const x = landcover.cell_size_m?.x;
      assert.ok(x === undefined ? note.length > 0 : note.includes(grouped(x)) && lcText.includes(grouped(x)),
        `${lang}: cell size ${x} m in «${note}» and «${lcText}»`);
    }
    // The profile of the top border is linked from the table.
    const profile = page.locator(`#border-${topA}-${topB}`);
    assert.equal(await profile.count(), 1, `${lang}: profile of the top border`);

    // No raw JSON anywhere, no code names where people read labels, integers as integers.
    const problems = await page.evaluate(() => {
      const out = [];
      if (/\{\s*"[^"]*"\s*:/.test(document.body.textContent)) out.push('raw JSON in the page');
      const shown = (e) => !e.closest('details.tech') && !e.closest('code') && !e.closest('script') && !e.closest('style');
      for (const e of document.querySelectorAll('h1,h2,h3,h4,figcaption,th,.legend,svg text')) {
        if (shown(e) && /\b[a-z]+_[a-z0-9_]+\b/.test(e.textContent)) out.push(`code name: ${e.tagName} «${e.textContent.slice(0, 80)}»`);
      }
      for (const e of document.querySelectorAll('td.num,svg text')) {
        if (/^-?\d[\d,]*\.0+$/.test(e.textContent.trim())) out.push(`integer with decimals: «${e.textContent}»`);
      }
      return out;
    });
    assert.deepEqual(problems.slice(0, 10), [], `${lang}: ${problems.length} problems`);
    if (lang === 'zh') {
      const h2 = await page.$$eval('section > h2', (hs) => hs.map((h) => h.textContent));
      assert.ok(h2.includes('主要发现') && h2.includes('跨界冲突') && h2.includes('生态补偿'), `zh headings: ${h2}`);
      const family = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
      assert.match(family, /Noto Sans CJK SC.*WenQuanYi Micro Hei/, 'CJK fonts named with fallbacks');
    }
    await page.screenshot({ path: join(artifacts, `report-first-page-${lang}.png`) });
    await profile.screenshot({ path: join(artifacts, `report-border-profile-${lang}.png`) });

    // The PDF: A4, every section on its own page, the report's title on the first page.
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const pages = Number(info.match(/^Pages:\s+(\d+)/m)[1]);
    const sections = await page.$$eval('section.part', (s) => s.length);
    assert.ok(pages > sections && pages < 120, `${lang}: ${pages} pages for ${sections} sections`);
    assert.match(info, /^Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/m, `${lang}: A4`);
    const title = (await page.textContent('h1')).trim();
    const firstPage = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], { encoding: 'utf8' });
    assert.equal(firstPage.split('\n').map((l) => l.trim()).find((l) => l), title, `${lang}: title on page 1`);
    const findingsPage = execFileSync('pdftotext', ['-f', '1', '-l', '2', pdf, '-'], { encoding: 'utf8' });
    assert.ok(findingsPage.replace(/\s/g, '').includes(totalText.split(' →')[0].replace(/\s/g, '').slice(0, 20)),
      `${lang}: the findings print on the first pages`);
    console.log(`report (${lang}): findings agree with the results; ${pages} A4 pages; title «${title}»`);
    await page.close();
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
