// Demand-response performance against ERCOT's ERS baselines, and the AS clearing prices (MCPC) of the recent SCED runs.
import { $, esc, fmt, cpt, optional } from './dashboard-core.js';
import { lineChart } from './dashboard-charts.js';

const colors = ['#1d4ed8', '#ea580c', '#16a34a', '#7c3aed', '#dc2626', '#0891b2', '#a16207', '#6b7280'];

/** One method's line: baseline, achieved reduction of the required one, or why it could not be formed. */
function method(b) {
  if (b.baseline_mw == null) return `<li class="muted" title="${esc(b.detail)}">${esc(b.method)}: no baseline (${esc(b.detail)})</li>`;
  const achieved = b.achieved_reduction_mw == null ? 'waiting for the deadline' :
    `${fmt(b.achieved_reduction_mw, 3)} of ${fmt(b.required_reduction_mw, 3)} MW` + (b.delivery_ratio == null ? '' : ` (${fmt(100 * b.delivery_ratio)} %)`);
  return `<li title="${esc(b.detail)}">${b.under_delivering ? '<span class="badge warn">short</span> ' : ''}${esc(b.method)}: baseline ${fmt(b.baseline_mw, 3)} MW · reduction ${achieved}</li>`;
}

export async function refresh() {
  const events = await optional('/api/events', []);
  const recent = events.slice(0, 5);
  $('dr-performance').innerHTML = recent.length === 0 ? '<p class="muted">no dispatch yet</p>' : recent.map(x => {
    const e = x.event, p = x.performance;
    return `<div class="dr-event"><p>${e.test ? '<span class="badge test">TEST</span> ' : ''}<b>${esc(e.program)}</b> ${esc(e.id)} · ${cpt(e.received_at)}${e.released_at ? '–' + cpt(e.released_at).slice(-5) : ' (active)'}` +
      `${p && p.under_delivering ? ' <span class="badge warn" title="' + esc(p.warning) + '">under-delivering</span>' : ''}</p>` +
      `<ul>${p ? p.baselines.map(method).join('') : ''}</ul></div>`;
  }).join('');

  const runs = await optional('/api/prices/mcpc?hours=2', null);
  if (runs == null) { $('mcpc-latest').textContent = 'no ERCOT API configured: no AS clearing prices'; return; }
  if (runs.length === 0) { $('mcpc-latest').textContent = 'no AS clearing prices stored yet (NP6-332-CD is polled every 5 minutes)'; return; }
  const last = runs[runs.length - 1];
  $('mcpc-latest').textContent = `SCED ${cpt(last.sced)} CPT: ` + Object.entries(last.prices).map(([k, v]) => `${k} $${fmt(v, 2)}`).join(' · ');
  const types = [...new Set(runs.flatMap(r => Object.keys(r.prices)))].sort();
  lineChart($('mcpc-chart'), {
    series: types.map((t, i) => ({ name: t, color: colors[i % colors.length], step: true,
      points: runs.filter(r => r.prices[t] != null).map(r => [Date.parse(r.sced), r.prices[t]]) })),
    yLabel: '$/MW-h', refs: [],
  });
}
