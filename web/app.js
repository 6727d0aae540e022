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

function tableElement(match) {
  const table = el('table');
  const unit = (u) => LABELS[lang][`unit.${u}`] ?? u;
  table.append(el('tr', {}, ...match.columns.map((c) => el('th', {}, c.unit ? `${columnLabel(c.name)} (${unit(c.unit)})` : columnLabel(c.name)))));
  for (const row of match.rows.slice(0, 25)) {
    table.append(el('tr', {}, ...row.map((v) => el('td', {}, v === null ? '' : Number.isInteger(v) ? String(v)
      : typeof v === 'number' ? number(v, 3) : typeof v === 'boolean' ? cat(String(v)) : cat(v)))));
  }
  return table;
}

/** Fills the detail panel with a border's or a unit's rows, by analysis and table. */
let lastDetail = null;
function showDetail(title, attrs, groups) {
  lastDetail = [title, attrs, groups];
  const panel = document.getElementById('detail');
  panel.replaceChildren(el('h2', {}, typeof title === 'function' ? title() : title));
  Object.entries(attrs).forEach(([k, v]) => panel.setAttribute(k, v));
  if (!groups.length) panel.append(el('p', { class: 'hint' }, t('dash.nothing')));
  for (const [heading, table, match] of groups) {
    const shown = Math.min(match.rows.length, 25);
    // Short tables open, long ones folded, so the panel reads as a list of what is known.
    const section = el('details', { 'data-table': table, 'data-total': match.total },
      el('summary', {}, `${heading === 'unit' ? t('dash.unit') : t(`analysis.${heading}`)}: ${tableLabel(table)}${match.pair ? ` (${match.pair.join(' | ')})` : ''} · ${t('dash.total_rows', { total: match.total })}`),
      tableElement(match),
      el('p', { class: 'note' }, t('dash.rows', { shown, total: match.total })));
    section.open = match.total <= 10;
    panel.append(section);
  }
}

async function showBorder(a, b) {
  const detail = await api(`/api/borders/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
  const groups = [];
  for (const [analysis, tables] of Object.entries(detail.analyses)) {
    for (const [table, matches] of Object.entries(tables)) for (const m of matches) groups.push([analysis, table, m]);
  }
  showDetail(() => t('dash.border', { a: detail.a_name ?? a, b: detail.b_name ?? b }), { 'data-a': a, 'data-b': b, 'data-kind': 'border' }, groups);
}

async function showJurisdiction(code) {
  const detail = await api(`/api/jurisdictions/${encodeURIComponent(code)}`);
  const groups = Object.entries(detail.tables).map(([table, m]) => ['unit', table, m]);
  showDetail(`${detail.name} (${code})`, { 'data-code': code, 'data-kind': 'jurisdiction' }, groups);
}

function showLegend() {
  const legend = document.getElementById('legend');
  legend.replaceChildren(el('p', { class: 'note' }, t('dash.legend')));
  for (const [, colour, label] of CONFLICT_CLASSES) {
    legend.append(el('div', { class: 'note' }, el('span', { class: 'swatch', style: `background:${colour}` }), label));
  }
  legend.append(el('p', { class: 'note' }, t('dash.legend_note')));
}

/** Labels the page in the current language: static text, headline, legend, layer toggles,
 * timeline and the open detail panel. */
function relabel(summary) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.getElementById('lang').value = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  showHeadline(summary);
  showLegend();
  showTimeline();
  for (const label of document.querySelectorAll('#layers label')) {
    label.lastChild.textContent = ` ${t(`dash.layer.${label.querySelector('input').dataset.layer}`)}`;
  }
  if (lastDetail) showDetail(...lastDetail);
}

async function main() {
  const [summary, config, layers, byBorder, labels] = await Promise.all([
    api('/api/summary'), api('/api/config'), api('/api/layers'),
    api('/api/tables/conflicts_by_border').catch(() => ({ columns: [], rows: [] })),
    api('/labels.json'),
  ]);
  LABELS = labels;
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
    if (sources.borders) {
      // A wide transparent line so that a border is easy to hit with the pointer.
      map.addLayer({ id: 'borders-hit', source: 'borders', type: 'line', paint: { 'line-width': 10, 'line-opacity': 0 } });
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
