// Headless Chromium test of the coordination cases in the dashboard (`serve --cases`): on a fresh
// register imported from the demo, a unit user logs in through the form, filters the list to a
// border of its unit (the counts by state agreeing with the API), opens the case, comments, moves
// it raised → negotiating and proposes `agreed`; a change made meanwhile answers 412 and the page
// reloads the case saying so; the office, in its own browser, opens the case from its marker on
// the map, sees the proposal and makes the transition; an observer sees no write control and the
// API refuses its comment (403) even with the session's CSRF token. Screenshot saved.
//
// Usage: node cases.test.mjs BORDERSCAPE_BINARY PROJECT_DIR ARTIFACTS_DIR
// (scripts/test runs it on the demo project; the screenshot lands in ARTIFACTS_DIR).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const [binary, project, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node cases.test.mjs BORDERSCAPE_BINARY PROJECT_DIR ARTIFACTS_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

/** Runs a borderscape command (`input` on its standard input) and returns its output. */
const borderscape = (args, input = '') => execFileSync(binary, args, { input, stdio: ['pipe', 'pipe', 'inherit'] }).toString();

// A fresh register: the demo's cases, and the case to work, one of a border of the unit user's unit.
const work = mkdtempSync(join(tmpdir(), 'borderscape-cases-'));
const db = join(work, 'register.db');
borderscape(['cases', 'import', project, '--db', db, '--quiet']);
borderscape(['cases', 'export', db, '--out', join(work, 'cases.geojson'), '--quiet']);
const chosen = JSON.parse(readFileSync(join(work, 'cases.geojson'), 'utf8')).features
  .map((f) => f.properties).find((c) => c.a && c.b && c.state === 'raised');
assert.ok(chosen, 'the demo has a raised case on a border');
const users = {
  unit: { name: 'unit1', password: 'unit1-long-password', args: ['--role', 'unit', '--unit', chosen.a] },
  office: { name: 'office1', password: 'office1-long-password', args: ['--role', 'office'] },
  observer: { name: 'observer1', password: 'observer1-long-password', args: ['--role', 'observer'] },
};
for (const u of Object.values(users)) {
  borderscape(['users', 'add', db, '--name', u.name, ...u.args, '--password-stdin', '--quiet'], `${u.password}\n`);
}

/** The case API through a page's session: its cookie, and the CSRF token GET /api/session gives. */
const inPage = (page, method, path, body = null, version = null) => page.evaluate(async ([method, path, body, version]) => {
  const session = await fetch('/api/session');
  const { csrf } = session.ok ? await session.json() : {};
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf ?? '' };
  if (version !== null) headers['If-Match'] = `"${version}"`;
  const response = await fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json().catch(() => null) };
}, [method, path, body, version]);

const caseNow = async (page, id) => {
  const answer = await inPage(page, 'GET', `/api/cases/${id}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
};

const { server, url } = await startServer(binary, [project, '--cases', db]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // WebGL through SwiftShader (software); the rest keeps Chromium off the closed network.
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic'],
});
const errors = [];
const outside = [];

/** A user's own browser (its own cookies), on the dashboard with the map ready, logged in
 * through the cases tab's form; the list loaded. */
async function logIn(user) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${user.name}: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url()); });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.mapReady === 'true', null, { timeout: 120_000 });
  await page.click('#tab-cases');
  await page.waitForSelector('#login-form:not([hidden])');
  await page.fill('#login-name', user.name);
  await page.fill('#login-password', user.password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#case-user:not([hidden])');
  assert.ok((await page.textContent('#case-user-name')).includes(user.name));
  await page.waitForSelector('#case-list[data-query=""]', { timeout: 30_000 });
  return page;
}

/** Filters the list to the chosen case's border, checks the counts by state against the API and
 * opens the case from the list. */
async function openFromList(page) {
  const border = `${chosen.a}|${chosen.b}`;
  await page.fill('#case-filter-place', border);
  await page.dispatchEvent('#case-filter-place', 'change');
  await page.waitForSelector(`#case-list[data-query="${new URLSearchParams({ border })}"]`, { timeout: 30_000 });
  const listed = await inPage(page, 'GET', `/api/cases?border=${encodeURIComponent(border)}`);
  const counts = await page.$$eval('#case-counts [data-state]', (bs) => Object.fromEntries(bs.map((b) => [b.dataset.state, Number(b.dataset.count)])));
  assert.deepEqual(counts, listed.body.counts, 'counts by state as the API gives them');
  assert.deepEqual(await page.$$eval('#case-list [data-case-id]', (lis) => lis.map((li) => Number(li.dataset.caseId))),
    listed.body.cases.map((c) => c.id));
  await page.click(`#case-list [data-case-id="${chosen.id}"]`);
  await page.waitForSelector(`#case[data-case-id="${chosen.id}"]`, { timeout: 30_000 });
}

let failed = false;
try {
  const config = await (await fetch(`${url}api/config`)).json();
  assert.equal(config.cases, true);
  assert.equal((await fetch(`${url}api/cases`)).status, 401, 'no list without a login');

  // The unit user: comment, a direct transition, a proposal.
  const unitPage = await logIn(users.unit);
  await openFromList(unitPage);
  assert.equal(await unitPage.textContent('#case h2'), `#${chosen.id} ${chosen.title}`);
  assert.equal(await unitPage.getAttribute('#case', 'data-version'), String((await caseNow(unitPage, chosen.id)).version));
  const comment = `Joint survey of the border zone planned (${Date.now()}).`;
  await unitPage.fill('#comment-body', comment);
  await unitPage.click('#comment-form button[type="submit"]');
  await unitPage.waitForSelector(`#case-comments li:has-text("${comment}")`);
  const commented = await caseNow(unitPage, chosen.id);
  assert.ok(commented.comments.some((c) => c.body === comment && c.author === users.unit.name), 'the comment is stored');
  assert.equal(await unitPage.$('button[data-transition="agreed"]'), null, 'a unit may not agree a case itself');
  await unitPage.click('button[data-transition="negotiating"]');
  await unitPage.waitForSelector('#case[data-state="negotiating"]');
  assert.equal((await caseNow(unitPage, chosen.id)).state, 'negotiating');
  await unitPage.fill('#case-note', 'Draft joint zoning ready');
  await unitPage.click('button[data-propose="agreed"]');
  await unitPage.waitForSelector('#case-proposal[data-to="agreed"]');
  const proposed = await caseNow(unitPage, chosen.id);
  assert.equal(proposed.proposed?.to, 'agreed');
  assert.equal(proposed.proposed?.by, users.unit.name);
  const history = await unitPage.$$eval('#case-history [data-action]', (lis) => lis.map((li) => li.dataset.action));
  assert.deepEqual(history.slice(-3), ['case.comment', 'case.transition', 'case.propose']);

  // A change made meanwhile (here through the API): the page's next write, on the version it
  // shows, answers 412; the page reloads the case and says so.
  const shown = Number(await unitPage.getAttribute('#case', 'data-version'));
  const meanwhile = await inPage(unitPage, 'PATCH', `/api/cases/${chosen.id}`, { instrument: 'Joint plan 2026' }, shown);
  assert.equal(meanwhile.status, 200, JSON.stringify(meanwhile.body));
  await unitPage.click('button[data-propose="escalated"]');
  await unitPage.waitForSelector(`#case[data-version="${meanwhile.body.version}"] #case-message[data-message="stale"]`);
  assert.equal((await caseNow(unitPage, chosen.id)).proposed?.to, 'agreed', 'the stale proposal changed nothing');
  // The decision form writes with the version it shows.
  await unitPage.click('#case details:has(#case-edit-form) summary');
  await unitPage.fill('#case-decision', 'Protect the wetland on both sides');
  await unitPage.click('#case-edit-form button[type="submit"]');
  await unitPage.waitForSelector(`#case[data-version="${meanwhile.body.version + 1}"] #case-message[data-message="ok"]`);
  assert.equal((await caseNow(unitPage, chosen.id)).decision, 'Protect the wetland on both sides');

  // The office: opens the case from its marker on the map, sees the proposal, agrees.
  const officePage = await logIn(users.office);
  const border = `${chosen.a}|${chosen.b}`;
  await officePage.fill('#case-filter-place', border);
  await officePage.dispatchEvent('#case-filter-place', 'change');
  await officePage.waitForSelector(`#case-list[data-query="${new URLSearchParams({ border })}"]`, { timeout: 30_000 });
  const { lon, lat } = await caseNow(officePage, chosen.id);
  await officePage.evaluate(([lon, lat]) => new Promise((done) => {
    const { map } = window.borderscape;
    map.once('idle', done);
    map.jumpTo({ center: [lon, lat], zoom: 13 });
  }), [lon, lat]);
  const point = await officePage.evaluate((v) => window.borderscape.map.project(v), [lon, lat]);
  const underPoint = await officePage.evaluate((p) => window.borderscape.map.queryRenderedFeatures([p.x, p.y], { layers: ['cases'] })
    .map((f) => f.properties.id), point);
  assert.ok(underPoint.includes(chosen.id), `the case's marker is on the map: ${underPoint}`);
  const canvas = await officePage.locator('#map canvas').boundingBox();
  await officePage.mouse.click(canvas.x + point.x, canvas.y + point.y);
  await officePage.waitForSelector('#case[data-case-id]', { timeout: 30_000 });
  const clicked = Number(await officePage.getAttribute('#case', 'data-case-id'));
  assert.ok(underPoint.includes(clicked), `the marker clicked opens its case: ${clicked}`);
  if (clicked !== chosen.id) {
    await officePage.click(`#case-list [data-case-id="${chosen.id}"]`);
    await officePage.waitForSelector(`#case[data-case-id="${chosen.id}"]`);
  }
  assert.equal(await officePage.getAttribute('#case-proposal', 'data-to'), 'agreed');
  assert.equal(await officePage.$('[data-propose]'), null, 'the office transitions, it does not propose');
  await officePage.click('button[data-transition="agreed"]');
  await officePage.waitForSelector('#case[data-state="agreed"]');
  const agreed = await caseNow(officePage, chosen.id);
  assert.equal(agreed.state, 'agreed');
  assert.equal(agreed.proposed, null, 'the transition settles the proposal');
  assert.equal(await officePage.$('#case-proposal'), null);

  // The observer reads the case, with no control to write; the API refuses its comment.
  const observerPage = await logIn(users.observer);
  await openFromList(observerPage);
  await observerPage.waitForSelector(`#case-comments li:has-text("${comment}")`);
  for (const control of ['#comment-form', '[data-transition]', '[data-propose]', '#case-edit-form']) {
    assert.equal(await observerPage.$(control), null, `an observer sees no ${control}`);
  }
  assert.equal(await observerPage.isVisible('#case-new'), false, 'an observer sees no new case form');
  const refused = await inPage(observerPage, 'POST', `/api/cases/${chosen.id}/comments`, { body: 'observers only read' });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.ok(refused.body?.error, 'the refusal says why');
  // Logging out ends the session.
  await observerPage.click('#logout');
  await observerPage.waitForSelector('#login-form:not([hidden])');
  assert.equal(await observerPage.$('#case'), null, 'the case closes with the session');
  assert.equal(await observerPage.evaluate(async () => (await fetch('/api/session')).status), 401);

  await officePage.screenshot({ path: join(artifacts, 'cases.png') });
  assert.deepEqual(errors, [], 'no script errors');
  assert.deepEqual(outside, [], 'no request leaves the server');
  console.log(`cases browser test passed: case ${chosen.id} (${chosen.a}|${chosen.b}) commented, negotiating, proposed and agreed; the observer refused; screenshot in ${artifacts}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
