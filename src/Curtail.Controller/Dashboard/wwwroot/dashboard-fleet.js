// Fleet totals, miners by state and model, and the miner table: paged, sorted and filtered by the controller
// (/api/miners), so a site of 10,000 miners sends and renders one page.
import { $, esc, fmt, cpt, json } from './dashboard-core.js';

const COLUMNS = [
  ['id', 'miner'], ['model', 'model'], ['firmware', 'firmware'], ['mode', 'mode'], ['power_w', 'W'], ['hashrate_th', 'TH/s'],
  ['max_temperature_c', 'max °C'], ['fan_rpm', 'fans'], ['error', 'error'], ['last_seen', 'last seen'],
];
const view = { page: 1, size: 25, sort: 'id', dir: 'asc', filter: '', state: '', model: '' };

export function init() {
  $('miners').querySelector('thead').innerHTML = '<tr>' + COLUMNS.map(([key, label]) =>
    `<th><button type="button" class="sort" data-sort="${key}">${label}</button></th>`).join('') + '</tr>';
  $('miners').querySelector('thead').addEventListener('click', e => {
    const key = e.target.closest('[data-sort]')?.dataset.sort;
    if (!key) return;
    view.dir = view.sort === key && view.dir === 'asc' ? 'desc' : 'asc';
    view.sort = key; view.page = 1; refresh();
  });
  let typing;
  $('miner-filter').addEventListener('input', e => { clearTimeout(typing); typing = setTimeout(() => { view.filter = e.target.value.trim(); view.page = 1; refresh(); }, 250); });
  $('miner-state').addEventListener('change', e => { view.state = e.target.value; view.page = 1; refresh(); });
  $('miner-model').addEventListener('change', e => { view.model = e.target.value; view.page = 1; refresh(); });
  $('miner-size').addEventListener('change', e => { view.size = Number(e.target.value); view.page = 1; refresh(); });
  $('miner-prev').addEventListener('click', () => { if (view.page > 1) { view.page--; refresh(); } });
  $('miner-next').addEventListener('click', () => { view.page++; refresh(); });
}

/** Fans as the firmware reports them: one speed when all agree, else slowest–fastest; a stopped fan reads 0. */
function fans(rpm) {
  if (!rpm || rpm.length === 0) return '–';
  const lo = Math.min(...rpm), hi = Math.max(...rpm);
  return `${lo === hi ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`} rpm ×${rpm.length}`;
}

const hashrate = th => th >= 1000 ? `${fmt(th / 1000, 2)} PH/s` : `${fmt(th, 1)} TH/s`;

/** Keeps a select's options in step with the values present, without losing the operator's choice. */
function options(select, values, all) {
  const current = select.value;
  const wanted = [''].concat(values);
  if (select.options.length === wanted.length && [...select.options].every((o, i) => o.value === wanted[i])) return;
  select.innerHTML = `<option value="">${all}</option>` + values.map(v => `<option>${esc(v)}</option>`).join('');
  select.value = wanted.includes(current) ? current : '';
}

export async function refresh() {
  const q = new URLSearchParams({ page: view.page, size: view.size, sort: view.sort, dir: view.dir });
  for (const k of ['filter', 'state', 'model']) if (view[k]) q.set(k, view[k]);
  const [fleet, page] = await Promise.all([json('/api/fleet'), json('/api/miners?' + q)]);
  $('fleet-hashrate').textContent = hashrate(fleet.hashrate_th);
  $('fleet-hashrate-detail').textContent = `of ${hashrate(fleet.nameplate_hashrate_th)} nameplate · ${fmt(fleet.miners)} miners`;
  $('fleet-power').textContent = `${fmt(fleet.power_kw, 1)} kW`;
  $('fleet-efficiency').textContent = fleet.efficiency_j_per_th == null ? 'no miner hashing' : `${fmt(fleet.efficiency_j_per_th, 1)} J/TH · ${fmt(fleet.failing)} not answering`;
  $('miner-states').innerHTML = Object.entries(fleet.by_state).map(([k, v]) => `<span class="${esc(k)}">${esc(k)} ${esc(v)}</span>`).join('') || '<span>no miners configured</span>';
  $('miner-models').querySelector('tbody').innerHTML = fleet.by_model.map(m =>
    `<tr><td>${esc(m.model)}</td><td class="num">${fmt(m.miners)}</td><td class="num">${fmt(m.hashing)}</td><td class="num">${hashrate(m.hashrate_th)}</td><td class="num">${fmt(m.power_kw, 1)}</td></tr>`).join('');
  options($('miner-state'), Object.keys(fleet.by_state), 'all states');
  options($('miner-model'), fleet.by_model.map(m => m.model), 'all models');
  if (view.page > page.pages) { view.page = page.pages; return refresh(); }
  $('miners').querySelector('tbody').innerHTML = page.miners.map(m => `<tr class="${m.error ? 'failing' : ''}"><td>${esc(m.id)}</td><td>${esc(m.model)}</td><td>${esc(m.firmware)}</td>` +
    `<td>${esc(m.mode)}</td><td class="num">${fmt(m.power_w)}</td><td class="num">${fmt(m.hashrate_th, 1)}</td><td class="num">${m.max_temperature_c == null ? '–' : fmt(m.max_temperature_c, 0)}</td>` +
    `<td class="num" title="${esc((m.fan_rpm ?? []).join(' / '))}">${fans(m.fan_rpm)}</td>` +
    `<td class="error" title="${esc(m.error)}">${esc(m.error ?? '')}</td><td>${m.last_seen ? esc(cpt(m.last_seen).slice(-5)) : '–'}</td></tr>`).join('')
    || `<tr><td colspan="${COLUMNS.length}" class="muted">no miner matches</td></tr>`;
  for (const b of $('miners').querySelectorAll('[data-sort]')) b.dataset.active = b.dataset.sort === view.sort ? view.dir : '';
  $('miner-page').textContent = page.total === 0 ? '0 miners' : `${fmt((page.page - 1) * page.size + 1)}–${fmt(Math.min(page.total, page.page * page.size))} of ${fmt(page.total)}`;
  $('miner-prev').disabled = page.page <= 1;
  $('miner-next').disabled = page.page >= page.pages;
}
