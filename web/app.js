// The borderscape dashboard: a MapLibre map of the results with layer toggles, a detail panel
// for a clicked border or county, the governance timeline and the headline figures. Everything
// comes from this server's JSON API; nothing is fetched from anywhere else. Every label is in
// English and Chinese (`labels.json`, the report's own table): the language switch re-labels the
// page in place. With a case register (`serve --cases`) a second tab logs in and works the
// coordination cases: list, counts, markers on the map and a case page in the detail panel.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';

/** The labels of both languages and the language shown (kept across visits). */
let LABELS = { en: {}, zh: {} };
let lang = ['en', 'zh'].includes(localStorage.getItem('borderscape-lang')) ? localStorage.getItem('borderscape-lang') : 'en';
/** A label, `{name}` filled from `vars`. */
const t = (key, vars = {}) => (LABELS[lang][key] ?? LABELS.en[key] ?? key).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
/** A category (conflict type, level, mode …); other values, such as place names, as they are. */
const cat = (value) => LABELS[lang][`cat.${value}`] ?? String(value);
const unitLabel = (u) => LABELS[lang][`unit.${u}`] ?? u;
const columnLabel = (name) => LABELS[lang][`column.${name}`]
  ?? (name.startsWith('U_') ? t('column.U_<system>', { system: cat(name.slice(2)) }) : name);
function tableLabel(name) {
  const level = name.match(/^(load_matrix|load_sources)_(\w+)$/);
  return LABELS[lang][`table.${name}`] ?? (level ? t(`table.${level[1]}_<level>`, { level: cat(level[2]) }) : name);
}

/** GET a JSON API path; an error response throws its message. */
async function api(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
};

/** Conflict classes of a county border (count in the latest plan version plus network ones). */
const CONFLICT_CLASSES = [[0, '#bdbdbd', '0'], [1, '#fed976', '1–2'], [3, '#fd8d3c', '3–5'],
  [6, '#e31a1c', '6–10'], [11, '#800026', '> 10']];

/** The states of a case in the order of the coordination loop, with their colours (Okabe & Ito,
 * colour-blind safe). */
const CASE_STATES = [['raised', '#D55E00'], ['negotiating', '#E69F00'], ['agreed', '#56B4E9'], ['plan_revised', '#0072B2'],
  ['resolved', '#009E73'], ['escalated', '#CC79A7'], ['rejected', '#000000'], ['conflicts_cleared', '#F0E442']];
/** Case types (the conflicts analysis's, and `other`), as the register's /api/config lists them. */
let CASE_TYPES = [];
/** Cases listed at most (the map shows them all): filters narrow the rest. */
const CASE_LIST_MAX = 200;

/** The map layers, bottom first: [id, source, visible, MapLibre layer properties]; labels
 * `dash.layer.<id>`. */
const LAYERS = [
  ['counties', 'jurisdictions', true, { type: 'fill', filter: ['==', ['get', 'level'], 'county'],
    paint: { 'fill-color': '#f6f3ea', 'fill-outline-color': '#d8d2c0' } }],
  ['border_zones', 'border_zones', false, { type: 'fill',
    paint: { 'fill-color': '#6baed6', 'fill-opacity': 0.35 } }],
  ['conflicts', 'conflicts', true, { type: 'fill', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#d7301f', 'fill-opacity': 0.55 } }],
  ['conflict_points', 'conflicts', true, { type: 'circle', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 3, 'circle-color': '#d7301f' } }],
  ['borders', 'borders', true, { type: 'line', paint: {
    'line-color': ['match', ['get', 'level'], 'province', '#222', 'city', '#666',
      ['step', ['get', 'conflicts'], ...CONFLICT_CLASSES.flatMap(([n, c], i) => (i === 0 ? [c] : [n, c]))]],
    'line-width': ['match', ['get', 'level'], 'province', 2.5, 'city', 1.4, 1] } }],
  ['load_flows', 'load_flows', false, { type: 'line', paint: {
    'line-color': '#3182bd', 'line-width': ['interpolate', ['linear'], ['get', 'flux_kg_per_yr'], 0, 0.5, 5e6, 6] } }],
  ['river_sections', 'river_sections', false, { type: 'circle',
    paint: { 'circle-radius': 3, 'circle-color': '#08519c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } }],
  ['topology_issues', 'topology_issues', false, { type: 'fill',
    paint: { 'fill-color': '#7a0177' } }],
  ['cases', 'cases', true, { type: 'circle', paint: {
    'circle-radius': ['match', ['get', 'severity'], 3, 6, 2, 4.5, 3.5],
    'circle-color': ['match', ['get', 'state'], ...CASE_STATES.flat(), '#888'],
    'circle-stroke-color': '#222', 'circle-stroke-width': 0.8 } }],
];

/** Colour-blind-safe sequential palettes, five classes: ColorBrewer YlGn (Harrower & Brewer 2003)
 * and viridis (van der Walt & Smith 2015). */
const YLGN = ['#ffffcc', '#c2e699', '#78c679', '#31a354', '#006837'];
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
const NO_VALUE = '#d9d9d9';

/** The land-cover choropleths of the counties (issue 19): [id, table, column, palette]; the
 * latest year of the table in up to five quantile classes. */
const CHOROPLETHS = [
  ['esv', 'landcover_esv', 'esv_yuan_per_ha', YLGN],
  ['cut', 'landcover_fragmentation', 'cut_mesh_km2', VIRIDIS],
  ['cbc', 'landcover_fragmentation', 'cbc_mesh_km2', VIRIDIS],
];

/** Class breaks (lower bounds of classes 2…) at the quintiles; when a fifth or more of the
 * counties share the lowest value (no habitat: a mesh of 0 km²), that value is a class of its
 * own and the quartiles of the others make the rest. */
function quantileBreaks(sorted) {
  const rest = sorted.filter((x) => x > sorted[0]);
  const quantiles = (values, n) => Array.from({ length: n - 1 }, (_, k) => values[Math.floor(((k + 1) * values.length) / n)]);
  const breaks = rest.length && rest.length <= 0.8 * sorted.length ? [rest[0], ...quantiles(rest, 4)] : quantiles(sorted, 5);
  return [...new Set(breaks)].filter((b) => b > sorted[0]);
}

/** One choropleth's county values (latest year), classes (colour and the range of the values in
 * each) and MapLibre colour expression. */
function choropleth(table, column, palette) {
  const col = (name) => table.columns.findIndex((c) => c.name === name);
  const [code, year, value] = ['code', 'year', column].map(col);
  const last = Math.max(...table.rows.map((r) => Number(r[year])));
  const values = new Map(table.rows.filter((r) => Number(r[year]) === last && r[value] !== null)
    .map((r) => [String(r[code]), Number(r[value])]));
  const sorted = [...values.values()].sort((x, y) => x - y);
  const breaks = quantileBreaks(sorted);
  const n = breaks.length + 1;
  const colours = Array.from({ length: n }, (_, i) => palette[Math.round((i * (palette.length - 1)) / Math.max(n - 1, 1))]);
  const classOf = (x) => breaks.filter((b) => x >= b).length;
  const members = colours.map((_, i) => sorted.filter((x) => classOf(x) === i));
  const pairs = [...values].flatMap(([c, x]) => [c, colours[classOf(x)]]);
  return {
    year: last, unit: table.columns[value].unit, column,
    classes: colours.map((colour, i) => [colour, members[i][0], members[i].at(-1)]),
    paint: pairs.length ? ['match', ['get', 'code'], ...pairs, NO_VALUE] : NO_VALUE,
  };
}

/** Per-border conflict counts `a|b`: the latest plan version and the network conflicts (no plan). */
function conflictCounts(table) {
  const col = (name) => table.columns.findIndex((c) => c.name === name);
  const [a, b, plan, n] = ['a', 'b', 'plan', 'conflicts'].map(col);
  const latest = table.rows.map((r) => String(r[plan] ?? '')).sort().at(-1) ?? '';
  const counts = new Map();
  for (const r of table.rows) {
    const p = String(r[plan] ?? '');
    if (p === '' || p === latest) counts.set(`${r[a]}|${r[b]}`, (counts.get(`${r[a]}|${r[b]}`) ?? 0) + Number(r[n]));
  }
  return counts;
}

function extent(collection) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(visit);
  };
  for (const f of collection.features) if (f.geometry) visit(f.geometry.coordinates);
  return [[box[0], box[1]], [box[2], box[3]]];
}

const number = (x, digits = 0) => Number(x).toLocaleString('en', { maximumFractionDigits: digits });

/** The headline figures (`data-figure` names each, whatever the language). */
function showHeadline(summary) {
  document.getElementById('region').textContent = `— ${(lang === 'zh' && summary.region?.name_zh) || (summary.region?.name ?? '')}`;
  const results = (name) => summary.analyses?.[name]?.results ?? {};
  const county = results('borders').levels?.county ?? {};
  const esv = Object.entries(results('compensation').esv_total_yuan ?? {}).at(-1);
  const figures = [
    ['jurisdictions', Object.values(summary.region?.jurisdictions ?? {}).reduce((s, n) => s + n, 0)],
    ['county_borders', county.edge_borders, `${number(county.total_length_km)} km`],
    ['conflicts', results('conflicts').conflicts, t('dash.fig.on_borders', { n: results('conflicts').borders_with_conflicts ?? '–' })],
    ['esv', esv ? t('dash.fig.esv_value', { bn: number(esv[1] / 1e9, 1), yi: number(esv[1] / 1e8, 0) }) : undefined,
      esv ? t('dash.fig.plan', { plan: esv[0] }) : ''],
    ['arrangements', results('governance').arrangements, (results('governance').years ?? []).join('–')],
  ];
  const box = document.getElementById('headline');
  box.replaceChildren();
  for (const [id, value, note] of figures) {
    if (value === undefined) continue;
    const label = t(`dash.fig.${id}`);
    box.append(el('span', { class: 'figure', 'data-figure': id }, el('b', {}, String(value)), ` ${label}${note ? ` · ${note}` : ''}`));
  }
  const synthetic = summary.synthetic_layers ?? [];
  if (synthetic.length) {
    const banner = document.getElementById('synthetic');
    banner.hidden = false;
    banner.textContent = t('ui.synthetic_banner', { layers: synthetic.map(cat).join(', ') });
  }
}

/** The governance timeline: active arrangements per year, stages shaded and labelled. */
async function showTimeline() {
  const box = document.getElementById('timeline');
  let timeline, stages;
  try {
    [timeline, stages] = await Promise.all([api('/api/tables/governance_timeline'), api('/api/tables/governance_stages')]);
  } catch (e) {
    box.textContent = t('dash.no_governance', { error: e.message });
    return;
  }
  box.replaceChildren();
  const col = (t, name) => t.columns.findIndex((c) => c.name === name);
  const years = timeline.rows.map((r) => Number(r[col(timeline, 'year')]));
  const active = timeline.rows.map((r) => Number(r[col(timeline, 'active')]));
  const [y0, y1, max] = [Math.min(...years), Math.max(...years), Math.max(...active, 1)];
  const W = 260, H = 120, x = (y) => 4 + ((y - y0) / Math.max(y1 - y0, 1)) * (W - 8), h = (n) => (n / max) * (H - 30);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('fig.timeline'));
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    svg.append(node);
    return node;
  };
  stages.rows.forEach((r, i) => {
    const [s, e] = [Number(r[col(stages, 'start')]), Number(r[col(stages, 'end')])];
    add('rect', { x: x(s), y: 0, width: Math.max(x(e + 1) - x(s), 1), height: H - 14, fill: i % 2 ? '#eef3f8' : '#dde8f2' })
      .append(Object.assign(document.createElementNS(ns, 'title'), { textContent: r[col(stages, 'description')] }));
    add('text', { x: x(s) + 1, y: 9, 'font-size': 7 }, `S${r[col(stages, 'stage')]}`);
  });
  years.forEach((y, i) => add('rect', { x: x(y) - 1.5, y: H - 14 - h(active[i]), width: 3, height: h(active[i]), fill: '#2b6c9e' })
    .append(Object.assign(document.createElementNS(ns, 'title'), { textContent: t('dash.active', { year: y, n: active[i] }) })));
  add('text', { x: 2, y: H - 3, 'font-size': 8 }, String(y0));
  add('text', { x: W - 22, y: H - 3, 'font-size': 8 }, String(y1));
  box.append(svg, el('p', { class: 'note' }, t('chart.timeline_legend', { max, n: stages.rows.length })));
}

/** A cell: integers as integers (grouped when they carry a unit, such as yuan), other numbers
 * to three decimals, categories labelled. */
const cellText = (v, unit) => (v === null ? '' : Number.isInteger(v) ? (unit ? number(v) : String(v))
  : typeof v === 'number' ? number(v, 3) : typeof v === 'boolean' ? cat(String(v)) : cat(v));

/** A table of `{columns, rows}`, units in the headers; a column may bring its own `label`. */
function tableElement(match) {
  const table = el('table');
  const label = (c) => c.label ?? columnLabel(c.name);
  table.append(el('tr', {}, ...match.columns.map((c) => el('th', {}, c.unit ? `${label(c)} (${unitLabel(c.unit)})` : label(c)))));
  for (const row of match.rows.slice(0, 25)) {
    table.append(el('tr', {}, ...row.map((v, i) => el('td', {}, cellText(v, match.columns[i].unit)))));
  }
  return table;
}

/** Fills the detail panel with a border's or a unit's rows, by analysis and table, under an
 * optional summary card (a function of the language, so that a switch re-draws it). */
let lastDetail = null;
function showDetail(title, attrs, groups, card = null) {
  lastDetail = [title, attrs, groups, card];
  CASES.open = null;
  const panel = document.getElementById('detail');
  panel.replaceChildren(el('h2', {}, typeof title === 'function' ? title() : title));
  Object.entries(attrs).forEach(([k, v]) => panel.setAttribute(k, v));
  if (card) panel.append(card());
  if (!groups.length) panel.append(el('p', { class: 'hint' }, t('dash.nothing')));
  for (const [heading, table, match] of groups) {
    const shown = Math.min(match.rows.length, 25);
    // Short tables open, long ones folded, so the panel reads as a list of what is known.
    const section = el('details', { 'data-table': table, 'data-total': match.total },
      el('summary', {}, `${heading === 'unit' ? t('dash.unit') : t(`analysis.${heading}`)}: ${tableLabel(table)}${match.pair ? ` (${match.pair.join(' | ')})` : ''} · ${t('dash.total_rows', { total: match.total })}`),
      tableElement(match),
      el('p', { class: 'note' }, t('dash.rows', { shown, total: match.total })));
    section.open = !card && match.total <= 10;
    panel.append(section);
  }
}

/** Units by code from the jurisdictions layer: name, parent and level (for names and provinces). */
let UNITS = new Map();
const nameOf = (code) => UNITS.get(code)?.name ?? code;
/** The province a unit lies in (itself for a province). */
function provinceOf(code) {
  let unit = code;
  for (let i = 0; i < 8 && UNITS.get(unit)?.level !== 'province' && UNITS.get(unit)?.parent; i++) unit = UNITS.get(unit).parent;
  return unit;
}
/** The report in the current language (`/api/config`'s `reports`), else report.html. */
let REPORTS = {};
const reportLink = () => REPORTS[lang] ?? '/report.html';

/** The rows of `table` in a border detail as objects, each with the pair it matched; and the
 * table's columns. */
function detailRows(detail, table) {
  const rows = [];
  let columns = [];
  for (const tables of Object.values(detail.analyses)) {
    for (const m of tables[table] ?? []) {
      columns = m.columns;
      for (const r of m.rows) rows.push(Object.fromEntries([['pair', m.pair], ...m.columns.map((c, i) => [c.name, r[i]])]));
    }
  }
  return { rows, columns };
}
const samePair = (p, q) => p[0] === q[0] && p[1] === q[1];
const heading = (key) => el('h3', {}, t(key));

/** Conflicts of the border by type (rows) and plan version (columns), with each version's total;
 * `data-conflicts` is the sum of all cells, one per row of the conflicts layer. */
function conflictGrid(detail) {
  const rows = detailRows(detail, 'conflicts_by_border').rows.filter((r) => samePair(r.pair, detail.pairs[0]));
  const section = el('section', { 'data-section': 'conflicts', 'data-conflicts': rows.reduce((s, r) => s + Number(r.conflicts), 0) },
    heading('ui.conflicts_by_type'));
  if (!rows.length) {
    section.append(el('p', { class: 'note' }, t('dash.nothing')));
    return section;
  }
  const plans = [...new Set(rows.map((r) => r.plan ?? ''))].sort();
  const types = [...new Set(rows.map((r) => r.type))].sort();
  const count = (type, plan) => rows.filter((r) => (type === null || r.type === type) && (r.plan ?? '') === plan)
    .reduce((s, r) => s + Number(r.conflicts), 0);
  const table = el('table', { class: 'grid' }, el('tr', {}, el('th', {}, t('ui.type')),
    ...plans.map((p) => el('th', { 'data-plan': p }, p === '' ? cat('all') : `${t('column.plan')} ${p}`))));
  for (const type of types) table.append(el('tr', {}, el('td', {}, cat(type)), ...plans.map((p) => el('td', { class: 'num' }, String(count(type, p))))));
  table.append(el('tr', { class: 'total' }, el('th', {}, t('ui.total')),
    ...plans.map((p) => el('th', { class: 'num', 'data-plan-total': p }, String(count(null, p))))));
  section.append(table);
  return section;
}

/** Loads crossing the border or its ancestors' border (latest plan version of each level), with
 * their three largest origins. */
function flowTable(detail) {
  const section = el('section', { 'data-section': 'flows' }, heading('ui.flows_out'));
  const lines = [];
  let flux = null;
  for (const table of Object.values(detail.analyses).flatMap(Object.keys).filter((n) => n.startsWith('load_matrix_'))) {
    const { rows, columns } = detailRows(detail, table);
    flux ??= columns.find((c) => c.name === 'flux_kg_per_yr');
    const plan = rows.map((r) => String(r.plan)).sort().at(-1);
    const sources = detailRows(detail, table.replace('load_matrix_', 'load_sources_')).rows;
    for (const r of rows.filter((x) => String(x.plan) === plan && Number(x.flux_kg_per_yr) > 0)) {
      const shares = new Map();
      for (const o of sources.filter((x) => x.from === r.from && x.to === r.to && x.plan === r.plan && x.pollutant === r.pollutant)) {
        shares.set(o.origin, (shares.get(o.origin) ?? 0) + Number(o.share));
      }
      const origins = [...shares].sort((x, y) => y[1] - x[1]).slice(0, 3)
        .map(([o, share]) => `${nameOf(o)} ${number(share * 100)} %`).join(', ');
      lines.push([nameOf(r.from), nameOf(r.to), cat(r.pollutant), r.plan, Math.round(Number(r.flux_kg_per_yr)), origins]);
    }
  }
  const columns = ['from', 'to', 'pollutant', 'plan'].map((name) => ({ name }))
    .concat([flux, { name: 'origins', label: t('ui.top_origins') }]);
  section.append(lines.length ? tableElement({ columns, rows: lines }) : el('p', { class: 'note' }, t('ui.no_flows')));
  return section;
}

/** Who pays whom: the net balance of each pair of the border's lineage, and the payments by scheme. */
function compensationFacts(detail) {
  const section = el('section', { 'data-section': 'compensation' }, heading('ui.compensation_between'));
  const balances = detailRows(detail, 'compensation_balances').rows;
  for (const r of balances) {
    const net = Number(r.net_to_a_yuan);
    const [payer, payee] = net < 0 ? [r.a, r.b] : [r.b, r.a];
    section.append(el('p', { 'data-net-yuan': Math.round(Math.abs(net)) },
      t('ui.balance', { payer: nameOf(payer), payee: nameOf(payee), amount: number(Math.abs(net)) })));
  }
  const { rows, columns } = detailRows(detail, 'compensation_ledger');
  const totals = new Map();
  for (const r of rows) {
    const key = JSON.stringify([r.scheme, r.payer, r.payee]);
    totals.set(key, (totals.get(key) ?? 0) + Number(r.amount_yuan));
  }
  if (totals.size) {
    const amount = columns.find((c) => c.name === 'amount_yuan');
    section.append(tableElement({ columns: [{ name: 'scheme' }, { name: 'payer' }, { name: 'payee' }, amount],
      rows: [...totals].map(([key, yuan]) => {
        const [scheme, payer, payee] = JSON.parse(key);
        return [scheme, nameOf(payer), nameOf(payee), Math.round(yuan)];
      }) }));
  }
  if (!balances.length && !totals.size) section.append(el('p', { class: 'note' }, t('ui.no_compensation')));
  return section;
}

/** Coordination across the border (first and last year) and the arrangements covering it. */
function governanceFacts(detail) {
  const section = el('section', { 'data-section': 'governance' });
  const synergy = detailRows(detail, 'synergy_border').rows.filter((r) => samePair(r.pair, detail.pairs[0]))
    .sort((x, y) => x.year - y.year);
  if (synergy.length) {
    const [first, last] = [synergy[0], synergy.at(-1)];
    section.append(heading('ui.coordination'), el('p', {}, t('ui.d_border',
      { d0: number(first.D_border, 3), y0: first.year, d1: number(last.D_border, 3), y1: last.year })));
  }
  const cover = detailRows(detail, 'border_governance').rows.find((r) => samePair(r.pair, detail.pairs[0]) && Number(r.arrangements) > 0);
  const list = (v) => String(v ?? '').split(';').filter(Boolean).map(cat).join(', ');
  section.append(heading('ui.coverage'), el('p', { 'data-arrangements': cover ? cover.arrangements : 0 }, cover
    ? `${t('ui.covered', { n: cover.arrangements, year: cover.first_year, binding: cover.max_binding, modes: list(cover.modes), goals: list(cover.goals) })} ${t('column.ids')}: ${String(cover.ids).split(';').join(', ')}`
    : t('ui.not_covered')));
  return section;
}

/** The profile card of a border (issue 23): its length and provinces, conflicts by type and
 * version, loads and their origins, compensation, coordination and coverage, and a link to the
 * report in the current language. */
function profileCard(detail) {
  const [a, b] = detail.pairs[0];
  const facts = [];
  const own = detailRows(detail, 'borders').rows.find((r) => samePair(r.pair, detail.pairs[0]));
  if (own) facts.push(t('ui.length', { km: number(own.length_km, 1) }));
  const [pa, pb] = [provinceOf(a), provinceOf(b)];
  facts.push(pa === pb ? t('ui.same_province', { province: nameOf(pa) }) : t('ui.province_pair', { a: nameOf(pa), b: nameOf(pb) }));
  return el('article', { id: 'profile', class: 'profile' }, el('p', {}, facts.join(' · ')),
    conflictGrid(detail), flowTable(detail), compensationFacts(detail), governanceFacts(detail),
    el('p', {}, el('a', { id: 'profile-report', href: `${reportLink()}#border-${a}-${b}`, target: '_blank' }, t('dash.profile_report'))));
}

async function showBorder(a, b) {
  highlightBorder(a, b);
  const detail = await api(`/api/borders/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
  const groups = [];
  for (const [analysis, tables] of Object.entries(detail.analyses)) {
    for (const [table, matches] of Object.entries(tables)) for (const m of matches) groups.push([analysis, table, m]);
  }
  showDetail(() => t('dash.border', { a: detail.a_name ?? a, b: detail.b_name ?? b }), { 'data-a': a, 'data-b': b, 'data-kind': 'border' },
    groups, () => profileCard(detail));
}

async function showJurisdiction(code) {
  highlightBorder(null);
  const detail = await api(`/api/jurisdictions/${encodeURIComponent(code)}`);
  const groups = Object.entries(detail.tables).map(([table, m]) => ['unit', table, m]);
  showDetail(`${detail.name} (${code})`, { 'data-code': code, 'data-kind': 'jurisdiction' }, groups);
}

const swatch = (colour) => el('span', { class: 'swatch', style: `background:${colour}` });

function showLegend() {
  const legend = document.getElementById('legend');
  legend.replaceChildren(el('p', { class: 'note' }, t('dash.legend')));
  for (const [, colour, label] of CONFLICT_CLASSES) legend.append(el('div', { class: 'note' }, swatch(colour), label));
  legend.append(el('p', { class: 'note' }, t('dash.legend_note')));
}

/** The land-cover choropleths these results have, by id, and the one shown ('none': off). */
let CHOROPLETH = {};
let choroplethShown = 'none';

/** The raster's resolution, stated beside the choropleth: the cell size as `analyze` gives it,
 * with its ground size, from the landcover summary of that year. */
function resolutionNote(summary, year) {
  const results = summary.analyses?.landcover?.results ?? {};
  const info = (results.years ?? []).find((y) => y.year === year);
  if (!info?.cell_size) return '';
  const metres = info.cell_size_m ?? results.cell_size_m;
  const ground = metres ? ` ≈ ${number(metres.x / 1000, 1)} × ${number(metres.y / 1000, 1)} km` : '';
  return t('dash.lc_resolution', { file: info.file ?? '', year, cell: `${info.cell_size.split(' (')[0]}${ground}` });
}

/** The choropleth picker and the legend of the one shown. */
function showChoropleth(summary) {
  const select = document.getElementById('choropleth');
  select.replaceChildren(el('option', { value: 'none' }, t('ui.none')),
    ...Object.entries(CHOROPLETH).map(([id, c]) => el('option', { value: id }, columnLabel(c.column))));
  select.value = choroplethShown;
  const legend = document.getElementById('choropleth-legend');
  legend.replaceChildren();
  const c = CHOROPLETH[choroplethShown];
  if (!c) return;
  // Two significant digits below 100 (meshes of 0.004 km²), whole numbers above.
  const digits = (x) => (x >= 100 || x === 0 ? 0 : Math.max(1, 1 - Math.floor(Math.log10(Math.abs(x)))));
  legend.append(el('p', { class: 'note legend-title' }, `${columnLabel(c.column)} (${unitLabel(c.unit)}), ${c.year}`),
    ...c.classes.map(([colour, lo, hi]) => el('div', { class: 'note' }, swatch(colour),
      lo === hi ? number(lo, digits(lo)) : `${number(lo, digits(lo))} – ${number(hi, digits(hi))}`)),
    el('div', { class: 'note' }, swatch(NO_VALUE), t('dash.no_value')),
    el('p', { class: 'note', id: 'resolution' }, resolutionNote(summary, c.year)));
}

/** Labels the page in the current language: static text, headline, legends, layer toggles,
 * timeline and the open detail panel. */
function relabel(summary) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.getElementById('lang').value = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  document.getElementById('report-link').href = reportLink();
  showHeadline(summary);
  showLegend();
  showChoropleth(summary);
  showTimeline();
  for (const label of document.querySelectorAll('#layers label')) {
    label.lastChild.textContent = ` ${t(`dash.layer.${label.querySelector('input').dataset.layer}`)}`;
  }
  if (lastDetail) showDetail(...lastDetail);
  if (CASES.enabled) {
    labelCaseControls();
    renderCaseSidebar();
    if (CASES.open) renderCase();
  }
}

/** Opens a border's profile and frames it on the map. */
function openBorder(map, feature) {
  map.fitBounds(extent({ features: [feature] }), { padding: 80, maxZoom: 11, animate: false });
  return showBorder(feature.properties.a, feature.properties.b);
}

/** The border search: every border as `name | name (a|b)`, picked from the list or typed. */
function setUpBorderSearch(map, borders) {
  const key = (p) => `${p.a_name ?? p.a} | ${p.b_name ?? p.b} (${p.a}|${p.b})`;
  const byKey = new Map(borders.features.filter((f) => f.properties.kind !== 'point').map((f) => [key(f.properties), f]));
  document.getElementById('border-list').replaceChildren(...[...byKey.keys()].sort().map((k) => el('option', { value: k })));
  document.getElementById('border-search').addEventListener('change', (e) => {
    const feature = byKey.get(e.target.value.trim());
    feature && openBorder(map, feature).catch((err) => showDetail(err.message, {}, []));
  });
}

/** The coordination cases (`serve --cases`): who is logged in (`session`, from /api/login or
 * /api/session; null: logged out), the list's filters, the listed cases and their counts by
 * state, and the open case with its history. Messages are functions of the language, like the
 * panel's titles, so that a language switch re-words them. */
const CASES = { enabled: false, session: null, filters: { state: '', type: '', place: '' }, list: [], counts: {},
  query: null, ticket: 0, open: null, history: [], message: null, sidebarMessage: null };
/** The map and its borders, for framing the border of an open case. */
let MAP = null;
let BORDERS = null;

/** A message shown under a form: its kind (`ok`, `error`, `stale`) and its text in the current language. */
const message = (kind, text) => ({ kind, text });
function showMessage(node, m) {
  node.textContent = m ? m.text() : '';
  node.dataset.message = m?.kind ?? '';
}

/** A call to the case register: JSON both ways, the session's CSRF token on every write and the
 * version a change rests on as `If-Match`. An error answer throws its message with `status` and
 * body; a 401 while logged in means the session has ended. */
async function caseApi(method, path, body, version) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && CASES.session) headers['X-CSRF-Token'] = CASES.session.csrf;
  if (version !== undefined) headers['If-Match'] = `"${version}"`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && CASES.session) loggedOut(message('error', () => t('dash.case.session_ended')));
    throw Object.assign(new Error(data?.error || response.statusText), { status: response.status, data });
  }
  return data;
}

const stateColour = (state) => CASE_STATES.find(([s]) => s === state)?.[1] ?? '#888';
const severityLabel = (n) => t(`dash.case.severity.${n}`);
const unitText = (code) => (nameOf(code) === code ? code : `${nameOf(code)} (${code})`);
/** An RFC 3339 time to the minute, in UTC as stored. */
const when = (at) => (at ? `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` : '');
const selectOptions = (select, options) => {
  const value = select.value;
  select.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
  select.value = options.some(([v]) => v === value) ? value : options[0][0];
};

/** The listed cases as map points. */
const caseCollection = () => ({ type: 'FeatureCollection', features: CASES.list.filter((c) => c.lon !== null && c.lat !== null)
  .map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lon, c.lat] }, properties: { id: c.id, state: c.state, severity: c.severity } })) });
const updateCaseMarkers = () => MAP?.getSource('cases')?.setData(caseCollection());

/** The words of the case controls that do not change with the list: the filters' and the new
 * case form's choices. */
function labelCaseControls() {
  const any = ['', t('dash.case.any')];
  selectOptions(document.getElementById('case-filter-state'), [any, ...CASE_STATES.map(([s]) => [s, cat(s)])]);
  selectOptions(document.getElementById('case-filter-type'), [any, ...CASE_TYPES.map((k) => [k, cat(k)])]);
  selectOptions(document.getElementById('case-new-type'), CASE_TYPES.map((k) => [k, cat(k)]));
  selectOptions(document.getElementById('case-new-severity'), [3, 2, 1].map((n) => [String(n), severityLabel(n)]));
}

/** The cases tab as the session and the last list have it: login form or user, the counts by
 * state (each one filters), the list (the open case marked) and the new case form for those who
 * may write. */
function renderCaseSidebar() {
  const { session } = CASES;
  document.getElementById('login-form').hidden = Boolean(session);
  document.getElementById('case-user').hidden = !session;
  document.getElementById('case-browser').hidden = !session;
  showMessage(document.getElementById('case-sidebar-message'), CASES.sidebarMessage);
  if (session) {
    const { name, role, unit } = session.user;
    document.getElementById('case-user-name').textContent = unit
      ? t('dash.case.user_unit', { name, role: t(`dash.case.role.${role}`), unit: unitText(unit) })
      : t('dash.case.user', { name, role: t(`dash.case.role.${role}`) });
    document.getElementById('case-new').hidden = role === 'observer';
  }
  document.getElementById('case-counts').replaceChildren(...CASE_STATES.map(([state, colour]) => {
    const count = CASES.counts[state] ?? 0;
    const button = el('button', { type: 'button', 'data-state': state, 'data-count': count, 'aria-pressed': String(CASES.filters.state === state) },
      swatch(colour), `${cat(state)} `, el('b', {}, String(count)));
    button.addEventListener('click', () => {
      CASES.filters.state = CASES.filters.state === state ? '' : state;
      document.getElementById('case-filter-state').value = CASES.filters.state;
      loadCases();
    });
    return button;
  }));
  const list = document.getElementById('case-list');
  if (CASES.query === null) list.removeAttribute('data-query');
  else list.dataset.query = CASES.query;
  list.replaceChildren(...CASES.list.slice(0, CASE_LIST_MAX).map((c) => {
    const button = el('button', { type: 'button' }, swatch(stateColour(c.state)), `#${c.id} ${c.title}`,
      el('span', { class: 'note' }, `${cat(c.state)} · ${severityLabel(c.severity)}`));
    button.addEventListener('click', () => openCase(c.id).catch(showCaseError));
    return el('li', { 'data-case-id': c.id, 'data-state': c.state, class: c.id === CASES.open?.id ? 'current' : '' }, button);
  }));
  const total = CASES.list.length;
  document.getElementById('case-list-note').textContent = !total ? t('dash.case.none')
    : total > CASE_LIST_MAX ? t('dash.case.list_more', { shown: CASE_LIST_MAX, total }) : '';
}

/** Lists the cases the filters select (a place with `|` is a border, else a unit); an answer
 * overtaken by a later request is dropped. */
async function loadCases() {
  const { state, type, place } = CASES.filters;
  const query = new URLSearchParams();
  if (state) query.set('state', state);
  if (type) query.set('type', type);
  if (place) query.set(place.includes('|') ? 'border' : 'unit', place);
  const ticket = ++CASES.ticket;
  try {
    const answer = await caseApi('GET', `/api/cases?${query}`);
    if (ticket !== CASES.ticket) return;
    Object.assign(CASES, { list: answer.cases, counts: answer.counts, query: String(query) });
    if (CASES.sidebarMessage?.kind === 'error') CASES.sidebarMessage = null;
  } catch (err) {
    if (ticket !== CASES.ticket || err.status === 401) return;
    CASES.sidebarMessage = message('error', () => t('dash.case.refused', { error: err.message }));
  }
  renderCaseSidebar();
  updateCaseMarkers();
}

function loggedIn(session) {
  Object.assign(CASES, { session, sidebarMessage: null });
  renderCaseSidebar();
  loadCases();
}

/** Forgets the session, its list and markers, and closes an open case. */
function loggedOut(why) {
  Object.assign(CASES, { session: null, list: [], counts: {}, query: null, sidebarMessage: why });
  CASES.ticket++;
  if (CASES.open) {
    CASES.open = null;
    highlightBorder(null);
    const panel = document.getElementById('detail');
    panel.removeAttribute('data-kind');
    panel.replaceChildren(el('p', { class: 'hint', 'data-i18n': 'dash.hint' }, t('dash.hint')));
  }
  updateCaseMarkers();
  renderCaseSidebar();
}

/** Marks the border whose profile or case is open (none when `a` is null). */
function highlightBorder(a, b) {
  if (!MAP?.getLayer('border-highlight')) return;
  const pair = (x, y) => ['all', ['==', ['get', 'a'], x], ['==', ['get', 'b'], y]];
  MAP.setFilter('border-highlight', a && b ? ['any', pair(a, b), pair(b, a)] : ['==', ['get', 'a'], '']);
}

/** Frames a case on the map: its border when the borders layer has it, else its point. */
function frameCase(c) {
  if (!MAP) return;
  highlightBorder(c.a, c.b);
  const features = (BORDERS?.features ?? []).filter((f) => f.properties.kind !== 'point'
    && ((f.properties.a === c.a && f.properties.b === c.b) || (f.properties.a === c.b && f.properties.b === c.a)));
  if (features.length) MAP.fitBounds(extent({ features }), { padding: 80, maxZoom: 11, animate: false });
  else if (c.lon !== null && c.lat !== null) MAP.jumpTo({ center: [c.lon, c.lat], zoom: Math.max(MAP.getZoom(), 10) });
}

/** Opens a case in the detail panel (with what this user may do to it, its comments and
 * history) and, unless `frame` is false, frames it on the map. */
async function openCase(id, { frame = true } = {}) {
  const [c, { history }] = await Promise.all([caseApi('GET', `/api/cases/${id}`), caseApi('GET', `/api/cases/${id}/history`)]);
  if (CASES.open?.id !== c.id) CASES.message = null;
  Object.assign(CASES, { open: c, history });
  lastDetail = null;
  renderCase();
  if (frame) frameCase(c);
  renderCaseSidebar();
}

function showCaseError(err) {
  if (err.status === 401) return;
  CASES.open = null;
  lastDetail = null;
  const panel = document.getElementById('detail');
  panel.replaceChildren(el('p', { id: 'case-message', class: 'message', 'data-message': 'error', role: 'alert' },
    t('dash.case.error', { error: err.message })));
}

/** Runs a write on the open case, then shows the case as it is now: after success saying
 * `done`, after a 412 saying that someone changed it meanwhile. Other refusals (403, 409, a
 * wrong field) leave the page as it is, the server's reason shown. */
async function caseWrite(button, request, done) {
  const { id } = CASES.open;
  if (button) button.disabled = true;
  try {
    await request();
    CASES.message = message('ok', done);
  } catch (err) {
    if (button) button.disabled = false;
    if (err.status === 401) return;
    if (err.status !== 412) {
      CASES.message = message('error', () => t('dash.case.refused', { error: err.message }));
      showMessage(document.getElementById('case-message'), CASES.message);
      return;
    }
    CASES.message = message('stale', () => t('dash.case.stale'));
  }
  await openCase(id, { frame: false }).catch(showCaseError);
  loadCases();
}

/** Fields named in the history of changes, by their labels. */
const CASE_FIELDS = { title: 'dash.case.case_title', severity: 'dash.case.severity', units: 'dash.case.units',
  owner_units: 'dash.case.owners', due: 'dash.case.due', decision: 'dash.case.decision',
  instrument: 'dash.case.instrument', arrangements: 'dash.case.arrangements' };

/** What an audit entry changed, in words: a transition's states and note, a proposal, the
 * fields an edit changed. */
function changeText(entry) {
  const { before, after } = entry;
  if (entry.action === 'case.transition') {
    return `${cat(before.state)} → ${cat(after.state)}${after.note ? ` (${after.note})` : ''}`;
  }
  if (entry.action === 'case.propose' && after.proposed) {
    return `→ ${cat(after.proposed.to)}${after.proposed.note ? ` (${after.proposed.note})` : ''}`;
  }
  if (entry.action === 'case.update') {
    const fields = Object.keys(CASE_FIELDS).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    return t('dash.case.changed', { fields: fields.map((k) => t(CASE_FIELDS[k])).join(', ') });
  }
  return '';
}

/** The case page: state and facts, its border (framed on the map, its profile one click away),
 * a pending proposal, the moves this user may make or propose, the decision form, linked
 * conflicts and arrangements, comments and history. Write controls appear only as the server's
 * `actions` allow. */
function renderCase() {
  const c = CASES.open;
  const actions = c.actions ?? {};
  const panel = document.getElementById('detail');
  panel.setAttribute('data-kind', 'case');
  const article = el('article', { id: 'case', class: 'profile', 'data-case-id': c.id, 'data-version': c.version, 'data-state': c.state },
    el('h2', {}, `#${c.id} ${c.title}`),
    el('p', {}, swatch(stateColour(c.state)), el('b', {}, cat(c.state)),
      ` · ${t('dash.case.severity')}: ${severityLabel(c.severity)} · ${cat(c.type)}`),
    el('p', { id: 'case-message', class: 'message', role: 'alert' }));
  showMessage(article.querySelector('#case-message'), CASES.message);

  const list = (codes) => codes.map(unitText).join(', ');
  const border = c.a && c.b ? el('span', {}, `${unitText(c.a)} | ${unitText(c.b)} `) : null;
  if (border) {
    const profile = el('button', { type: 'button', id: 'case-border-profile' }, t('dash.case.border_profile'));
    profile.addEventListener('click', () => showBorder(c.a, c.b).catch((err) => showDetail(err.message, {}, [])));
    border.append(profile);
  }
  const facts = [['dash.case.border', border], ['dash.case.units', list(c.units)], ['dash.case.owners', list(c.owner_units)],
    ['dash.case.due', c.due], ['dash.case.decision', c.decision], ['dash.case.instrument', c.instrument],
    ['dash.case.created_at', when(c.created_at)], ['dash.case.updated_at', when(c.updated_at)], ['dash.case.version', String(c.version)]];
  article.append(el('table', { class: 'facts' }, ...facts.filter(([, v]) => v)
    .map(([key, v]) => el('tr', {}, el('th', {}, t(key)), el('td', {}, v)))));

  if (c.proposed) {
    article.append(el('p', { id: 'case-proposal', 'data-to': c.proposed.to },
      t('dash.case.proposal', { by: c.proposed.by, state: cat(c.proposed.to), at: when(c.proposed.at) }),
      c.proposed.note ? ` ${t('dash.case.proposal_note', { note: c.proposed.note })}` : ''));
  }

  const moves = [...(actions.transition ?? []).map((s) => ['transition', s]), ...(actions.propose ?? []).map((s) => ['propose', s])];
  if (moves.length) {
    const note = el('input', { id: 'case-note', autocomplete: 'off', placeholder: t('dash.case.note') });
    const section = el('section', { id: 'case-actions' }, heading('dash.case.actions'), note);
    for (const [kind, to] of moves) {
      const button = el('button', { type: 'button', [`data-${kind}`]: to },
        t(kind === 'propose' ? 'dash.case.propose' : 'dash.case.move_to', { state: cat(to) }));
      button.addEventListener('click', () => caseWrite(button,
        () => caseApi('POST', `/api/cases/${c.id}/transition`, { to, note: note.value, ...(kind === 'propose' ? { propose: true } : {}) }, c.version),
        () => t(kind === 'propose' ? 'dash.case.proposed_done' : 'dash.case.moved', { state: cat(to) })));
      section.append(button);
    }
    if (actions.propose?.length) section.append(el('p', { class: 'note' }, t('dash.case.propose_hint')));
    article.append(section);
  }

  if (actions.edit) {
    const severity = el('select', { id: 'case-severity' }, ...[3, 2, 1].map((n) => el('option', { value: n }, severityLabel(n))));
    severity.value = String(c.severity);
    const decision = el('textarea', { id: 'case-decision' }, c.decision ?? '');
    const instrument = el('input', { id: 'case-instrument', value: c.instrument ?? '' });
    const due = el('input', { id: 'case-due', type: 'date', value: c.due ?? '' });
    const save = el('button', { type: 'submit' }, t('dash.case.save'));
    const field = (key, input) => el('label', {}, el('span', {}, t(key)), input);
    const form = el('form', { id: 'case-edit-form' }, field('dash.case.decision', decision), field('dash.case.instrument', instrument),
      field('dash.case.due', due), field('dash.case.severity', severity), save);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      caseWrite(save, () => caseApi('PATCH', `/api/cases/${c.id}`,
        { decision: decision.value, instrument: instrument.value, due: due.value, severity: Number(severity.value) }, c.version),
      () => t('dash.case.saved'));
    });
    article.append(el('details', {}, el('summary', {}, t('dash.case.edit')), form));
  }

  const present = c.conflicts.filter((x) => x.present).length;
  const conflicts = el('section', { id: 'case-conflicts' }, el('h3', {}, t('dash.case.conflicts', { present, total: c.conflicts.length })));
  if (c.conflicts.length) {
    const columns = [['key', 'dash.case.conflict_key'], ['plan', 'dash.case.conflict_plan'], ['severity', 'dash.case.severity'],
      ['present', 'dash.case.present'], ['first_seen', 'dash.case.first_seen'], ['gone_since', 'dash.case.gone_since']]
      .map(([name, key]) => ({ name, label: t(key) }));
    conflicts.append(tableElement({ columns, rows: c.conflicts.map((x) => [x.key, x.plan, severityLabel(x.severity), x.present,
      x.first_seen.slice(0, 10), x.gone_since?.slice(0, 10) ?? null]) }));
    if (c.conflicts.length > 25) conflicts.append(el('p', { class: 'note' }, t('dash.rows', { shown: 25, total: c.conflicts.length })));
  }
  article.append(conflicts, heading('dash.case.arrangements'),
    el('p', { id: 'case-arrangements' }, c.arrangements.length ? c.arrangements.join(', ') : t('dash.case.no_arrangements')));

  const comments = el('section', { id: 'case-comments' }, heading('dash.case.comments'));
  comments.append(c.comments.length
    ? el('ol', {}, ...c.comments.map((m) => el('li', { 'data-comment-id': m.id }, el('span', { class: 'note' }, `${m.author} · ${when(m.created_at)}`), el('p', {}, m.body))))
    : el('p', { class: 'note' }, t('dash.case.no_comments')));
  if (actions.comment) {
    const body = el('textarea', { id: 'comment-body', required: '', placeholder: t('dash.case.comment_placeholder') });
    const add = el('button', { type: 'submit' }, t('dash.case.comment_add'));
    const form = el('form', { id: 'comment-form' }, body, add);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      caseWrite(add, () => caseApi('POST', `/api/cases/${c.id}/comments`, { body: body.value }), () => t('dash.case.commented'));
    });
    comments.append(form);
  }
  article.append(comments, el('section', { id: 'case-history' }, heading('dash.case.history'),
    el('ol', {}, ...CASES.history.map((entry) => el('li', { 'data-action': entry.action, 'data-seq': entry.seq },
      el('span', { class: 'note' }, `${when(entry.at)} · ${entry.actor}`), ' ',
      t(`dash.case.action.${entry.action.replace(/^case\./, '')}`), ' ', changeText(entry))))));
  panel.replaceChildren(article);
}

/** The cases tab: the tabs, login and logout, the filters and the new case form; then the
 * session a reload kept, if any. */
async function setUpCases() {
  document.getElementById('tabs').hidden = false;
  const tabs = [['tab-results', 'sidebar'], ['tab-cases', 'cases']];
  for (const [tab] of tabs) {
    document.getElementById(tab).addEventListener('click', () => {
      for (const [other, panel] of tabs) {
        document.getElementById(other).setAttribute('aria-selected', String(other === tab));
        document.getElementById(panel).hidden = other !== tab;
      }
    });
  }
  document.getElementById('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const password = document.getElementById('login-password');
    try {
      const session = await caseApi('POST', '/api/login', { name: document.getElementById('login-name').value, password: password.value });
      password.value = '';
      loggedIn(session);
    } catch (err) {
      const key = { 401: 'dash.case.login_failed', 429: 'dash.case.throttled' }[err.status];
      CASES.sidebarMessage = message('error', () => (key ? t(key) : t('dash.case.refused', { error: err.message })));
      renderCaseSidebar();
    }
  });
  document.getElementById('logout').addEventListener('click', async () => {
    // The session is forgotten here whatever the server answers.
    await caseApi('POST', '/api/logout').catch(() => null);
    loggedOut(null);
  });
  const filters = document.getElementById('case-filters');
  const readFilters = () => {
    CASES.filters = { state: document.getElementById('case-filter-state').value, type: document.getElementById('case-filter-type').value,
      place: document.getElementById('case-filter-place').value.trim() };
    loadCases();
  };
  filters.addEventListener('change', readFilters);
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    readFilters();
  });
  document.getElementById('case-new-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = (id) => document.getElementById(id).value.trim();
    const border = [value('case-new-a'), value('case-new-b')].filter(Boolean).sort();
    const body = { title: value('case-new-title'), type: value('case-new-type'), severity: Number(value('case-new-severity')),
      ...(border.length === 2 ? { a: border[0], b: border[1] } : border.length ? { units: border } : {}),
      ...(value('case-new-due') ? { due: value('case-new-due') } : {}) };
    try {
      const created = await caseApi('POST', '/api/cases', body);
      e.target.reset();
      document.getElementById('case-new').open = false;
      CASES.sidebarMessage = message('ok', () => t('dash.case.created', { id: created.id }));
      await openCase(created.id);
      loadCases();
    } catch (err) {
      if (err.status === 401) return;
      CASES.sidebarMessage = message('error', () => t('dash.case.refused', { error: err.message }));
      renderCaseSidebar();
    }
  });
  try {
    loggedIn(await caseApi('GET', '/api/session'));
  } catch {
    renderCaseSidebar();
  }
}

async function main() {
  const landcover = Object.fromEntries(await Promise.all([...new Set(CHOROPLETHS.map(([, table]) => table))]
    .map(async (table) => [table, await api(`/api/tables/${table}?level=county`).catch(() => null)])));
  const [summary, config, layers, byBorder, labels] = await Promise.all([
    api('/api/summary'), api('/api/config'), api('/api/layers'),
    api('/api/tables/conflicts_by_border').catch(() => ({ columns: [], rows: [] })),
    api('/labels.json'),
  ]);
  LABELS = labels;
  REPORTS = config.reports ?? {};
  CASES.enabled = config.cases === true;
  CASE_TYPES = config.case_types ?? [];
  for (const [id, table, column, palette] of CHOROPLETHS) {
    if (landcover[table]?.rows.length) CHOROPLETH[id] = choropleth(landcover[table], column, palette);
  }
  document.getElementById('landcover').hidden = !Object.keys(CHOROPLETH).length;
  relabel(summary);
  document.getElementById('lang').addEventListener('change', (e) => {
    lang = e.target.value;
    localStorage.setItem('borderscape-lang', lang);
    relabel(summary);
  });
  const available = new Set(layers.map((l) => l.name));
  const sources = {};
  const wanted = [...new Set(LAYERS.map(([, source]) => source))].filter((s) => available.has(s));
  await Promise.all(wanted.map(async (name) => {
    const query = name === 'load_flows' ? '?pollutant=TN' : '?simplify_m=100';
    sources[name] = await api(`/api/layers/${name}${query}`);
  }));
  UNITS = new Map((sources.jurisdictions?.features ?? []).map((f) => [f.properties.code, f.properties]));
  BORDERS = sources.borders ?? null;
  if (CASES.enabled) {
    sources.cases = caseCollection();
    setUpCases();
  }
  if (sources.borders) {
    const counts = conflictCounts(byBorder);
    for (const f of sources.borders.features) f.properties.conflicts = counts.get(`${f.properties.a}|${f.properties.b}`) ?? 0;
  }
  const style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dde6ee' } }] };
  if (config.tiles) {
    style.sources.basemap = { type: 'raster', tiles: [config.tiles], tileSize: 256 };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  const map = new maplibregl.Map({ container: 'map', style, bounds: sources.jurisdictions ? extent(sources.jurisdictions) : undefined, attributionControl: false });
  MAP = map;
  window.borderscape = { map, ready: false };
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
  map.on('load', () => {
    for (const [name, data] of Object.entries(sources)) map.addSource(name, { type: 'geojson', data });
    const toggles = document.getElementById('layers');
    for (const [id, source, visible, spec] of LAYERS) {
      if (!sources[source]) continue;
      map.addLayer({ id, source, ...spec, layout: { visibility: visible ? 'visible' : 'none' } });
      const box = el('input', { type: 'checkbox', id: `toggle-${id}`, 'data-layer': id });
      box.checked = visible;
      box.addEventListener('change', () => map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none'));
      toggles.append(el('label', {}, box, ` ${t(`dash.layer.${id}`)}`));
    }
    if (sources.jurisdictions && Object.keys(CHOROPLETH).length) {
      // The choropleth lies on the county fill, under everything else.
      map.addLayer({ id: 'landcover', source: 'jurisdictions', type: 'fill', filter: ['==', ['get', 'level'], 'county'],
        layout: { visibility: 'none' }, paint: { 'fill-color': NO_VALUE, 'fill-opacity': 0.85, 'fill-outline-color': '#ffffff' } },
      map.getStyle().layers.find((l, i, all) => all[i - 1]?.id === 'counties')?.id);
      document.getElementById('choropleth').addEventListener('change', (e) => {
        choroplethShown = e.target.value;
        const c = CHOROPLETH[choroplethShown];
        if (c) map.setPaintProperty('landcover', 'fill-color', c.paint);
        map.setLayoutProperty('landcover', 'visibility', c ? 'visible' : 'none');
        showChoropleth(summary);
      });
    }
    if (sources.borders) {
      // The open border (of a profile or a case) under a halo, below the borders themselves.
      map.addLayer({ id: 'border-highlight', source: 'borders', type: 'line', filter: ['==', ['get', 'a'], ''],
        paint: { 'line-color': '#00a2ff', 'line-width': 8, 'line-opacity': 0.6 } }, 'borders');
      // A wide transparent line so that a border is easy to hit with the pointer.
      map.addLayer({ id: 'borders-hit', source: 'borders', type: 'line', paint: { 'line-width': 10, 'line-opacity': 0 } });
      setUpBorderSearch(map, sources.borders);
    }
    updateCaseMarkers();
    map.on('click', (e) => {
      const marker = map.queryRenderedFeatures(e.point, { layers: ['cases'].filter((l) => map.getLayer(l)) })[0];
      if (marker) {
        openCase(marker.properties.id).catch(showCaseError);
        return;
      }
      const border = map.queryRenderedFeatures(e.point, { layers: ['borders-hit'].filter((l) => map.getLayer(l)) })[0];
      const unit = map.queryRenderedFeatures(e.point, { layers: ['counties'].filter((l) => map.getLayer(l)) })[0];
      const shown = border ? showBorder(border.properties.a, border.properties.b)
        : unit ? showJurisdiction(unit.properties.code) : null;
      shown?.catch((err) => showDetail(err.message, {}, []));
    });
    for (const layer of ['borders-hit', 'counties', 'cases'].filter((l) => map.getLayer(l))) {
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    map.once('idle', () => {
      window.borderscape.ready = true;
      document.body.dataset.mapReady = 'true';
    });
  });
}

main().catch((e) => {
  document.getElementById('detail').replaceChildren(el('p', { class: 'error' }, t('dash.error', { error: e.message })));
});
