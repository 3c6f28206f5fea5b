// The day's load (the whole window, downsampled by the controller) and the timeline of curtailments and DR events.
import { $, cpt, fmt, json } from './dashboard-core.js';
import { lineChart, timeline } from './dashboard-charts.js';

const LIMIT_COLORS = { price: '#dc2626', override: '#7c3aed', event: '#ea580c', four_cp: '#0891b2', genset: '#16a34a' };
const colorOf = limited => LIMIT_COLORS[limited] ?? '#6b7280';

export async function refresh() {
  const h = await json('/api/history?hours=24&points=400');
  const load = h.load;
  // The last 24 hours, or less when the controller has run less long: a new site's hour is not squeezed into a corner.
  const x1 = Date.parse(h.to), x0 = Math.max(Date.parse(h.from), load.length ? Math.min(Date.parse(load[0].time), x1 - 3600_000) : Date.parse(h.from));
  const spans = h.curtailments.map(c => ({
    start: Date.parse(c.start), end: Date.parse(c.end), color: colorOf(c.limited_by),
    title: `curtailed by ${c.limited_by} ${cpt(c.start)}–${c.ongoing ? 'now' : cpt(c.end).slice(-5)} CPT, target down to ${fmt(c.lowest_target_kw)} kW`,
  }));
  lineChart($('load-chart'), {
    series: [
      { name: 'measured load', color: '#1d4ed8', step: true, points: load.map(b => [Date.parse(b.time), b.measured_kw]) },
      { name: 'target', color: '#f59e0b', step: true, points: load.map(b => [Date.parse(b.time), b.target_kw]) },
      { name: 'genset available', color: '#16a34a', step: true, points: load.filter(b => b.genset_available_kw != null).map(b => [Date.parse(b.time), b.genset_available_kw]) },
    ],
    refs: [{ name: 'nameplate', value: h.full_kw, color: '#6b7280' }], yLabel: 'kW', spans, xRange: [x0, x1],
  });
  timeline($('timeline'), {
    x0, x1, rows: [
      { name: 'curtailed', bars: spans },
      { name: 'DR events', bars: h.events.map(e => ({ start: Date.parse(e.start), end: e.end ? Date.parse(e.end) : x1, color: e.test ? '#a78bfa' : '#ea580c',
        title: `${e.test ? 'TEST ' : ''}${e.program} ${e.id}: received ${cpt(e.start)}, deadline ${cpt(e.deadline)}${e.target_met_at ? ', met ' + cpt(e.target_met_at) : ''}${e.end ? ', released ' + cpt(e.end) : ''}` })) },
    ],
  });
  $('timeline-summary').textContent = spans.length === 0 ? 'no curtailment in the last 24 h'
    : `${spans.length} curtailment${spans.length > 1 ? 's' : ''} in the last 24 h: ` + h.curtailments.map(c => `${cpt(c.start).slice(-5)}–${c.ongoing ? 'now' : cpt(c.end).slice(-5)} (${c.limited_by})`).join(', ');
}
