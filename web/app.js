// The borderscape dashboard: a MapLibre map of the results with layer toggles, a detail panel
// for a clicked border or county, the governance timeline and the headline figures. Everything
// comes from this server's JSON API; nothing is fetched from anywhere else. Every label is in
// English and Chinese (`labels.json`, the report's own table): the language switch re-labels the
// page in place.
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
  document.getElementById('region').textContent = `— ${summary.region?.name ?? ''}`;
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
  const detail = await api(`/api/borders/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
  const groups = [];
  for (const [analysis, tables] of Object.entries(detail.analyses)) {
    for (const [table, matches] of Object.entries(tables)) for (const m of matches) groups.push([analysis, table, m]);
  }
  showDetail(() => t('dash.border', { a: detail.a_name ?? a, b: detail.b_name ?? b }), { 'data-a': a, 'data-b': b, 'data-kind': 'border' },
    groups, () => profileCard(detail));
}

async function showJurisdiction(code) {
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
      // A wide transparent line so that a border is easy to hit with the pointer.
      map.addLayer({ id: 'borders-hit', source: 'borders', type: 'line', paint: { 'line-width': 10, 'line-opacity': 0 } });
      setUpBorderSearch(map, sources.borders);
    }
    map.on('click', (e) => {
      const border = map.queryRenderedFeatures(e.point, { layers: ['borders-hit'].filter((l) => map.getLayer(l)) })[0];
      const unit = map.queryRenderedFeatures(e.point, { layers: ['counties'].filter((l) => map.getLayer(l)) })[0];
      const shown = border ? showBorder(border.properties.a, border.properties.b)
        : unit ? showJurisdiction(unit.properties.code) : null;
      shown?.catch((err) => showDetail(err.message, {}, []));
    });
    for (const layer of ['borders-hit', 'counties']) {
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
