// Curtail dashboard: polls the controller's own API and redraws. Each panel is its own module with its own refresh,
// so a new panel is a new module and a line below.
import { $, esc, fmt, cpt, json, optional } from './dashboard-core.js';
import { lineChart } from './dashboard-charts.js';
import * as fleet from './dashboard-fleet.js';
import * as money from './dashboard-money.js';
import * as day from './dashboard-day.js';
import * as controls from './dashboard-controls.js';
import * as market from './dashboard-market.js';

async function refreshStatus() {
  const [s, prices, decisions, forecast, sced] = await Promise.all([json('/api/status?miners=false'), json('/api/prices?hours=24'), json('/api/decisions?limit=25'),
    optional('/api/forecast'), optional('/api/prices/sced', [])]);
  $('site').textContent = s.site.name;
  $('clock').textContent = `${cpt(s.time)} CPT · ${s.cycles} cycles`;
  $('stale').hidden = !s.prices.stale;
  $('stale').textContent = s.prices.age_seconds == null ? 'prices stale' : `prices stale (${fmt(s.prices.age_seconds / 60)} min old)`;
  // The controller's alarms (stale inputs, failing miners, failed cycles): one badge each, the detail on hover.
  $('alarms').innerHTML = (s.alarms || []).filter(a => a.name !== 'prices_stale')
    .map(a => `<span class="badge warn" title="${esc(a.detail)} (since ${esc(cpt(a.since))} CPT)">${esc(a.name.replace(/_/g, ' '))}</span>`).join(' ');
  $('price').textContent = s.prices.last_settled == null ? '–' : `$${fmt(s.prices.last_settled, 2)}`;
  $('price-at').textContent = (s.prices.last_interval_start ? `interval ${cpt(s.prices.last_interval_start)}` : 'waiting for prices')
    + (s.prices.last_sced_lmp == null ? '' : ` · SCED $${fmt(s.prices.last_sced_lmp, 2)} at ${cpt(s.prices.last_sced_time).slice(-5)}`);
  const d = s.last_decision;
  const acted = d && d.acted_on;
  if (acted) $('price-at').textContent += ` · acting on ${acted.source === 'sced' ? 'SCED' : 'settled'} $${fmt(acted.price, 2)}`;
  $('target').textContent = d ? `${fmt(d.target_kw)} kW` : '–';
  $('limited').textContent = d ? `limited by ${d.limited_by}` : '';
  $('load').textContent = s.site_load_kw == null ? '–' : `${fmt(s.site_load_kw)} kW`;
  $('full').textContent = `of ${fmt(s.site.full_power_kw)} kW nameplate`;
  $('genset').textContent = s.genset && s.genset.available_power_kw != null ? `${fmt(s.genset.available_power_kw)} kW` : (s.genset_link_problem ? 'link lost' : '–');
  $('genset-detail').textContent = s.genset ? `${fmt(s.genset.frequency_hz, 2)} Hz · ${s.genset.engine_state}` : (s.genset_link_problem || '');
  const t = s.trading;
  $('strikes').textContent = t.curtail_above_usd_per_mwh == null ? '–' : `$${fmt(t.curtail_above_usd_per_mwh)}`;
  $('strike-detail').textContent = `resume below ${t.resume_below_usd_per_mwh == null ? 'strike' : '$' + fmt(t.resume_below_usd_per_mwh)} · hard cap ${t.hard_cap_usd_per_mwh == null ? '–' : '$' + fmt(t.hard_cap_usd_per_mwh)}`;
  $('override').hidden = !s.override;
  if (s.override) $('override').textContent = `${s.override.mode} until ${cpt(s.override.until)} (${s.override.set_by})`;
  controls.show(s);

  const fc = forecast ? forecast.intervals : [];
  const priceSeries = [{ name: 'settled price', color: '#1d4ed8', step: true, points: prices.map(p => [Date.parse(p.start), p.price]) }];
  // The 5-minute SCED LMPs beside the settled prices: each run holds until the next.
  if (sced.length) priceSeries.push({ name: 'SCED LMP (5-min)', color: '#ea580c', step: true, width: 1.2, points: sced.map(p => [Date.parse(p.time), p.lmp]) });
  // ERCOT's RTD look-ahead (indicative LMPs of the next 12 five-minute intervals): the forecast moves toward it.
  const rtd = s.prices.rtd || [];
  if (rtd.length) priceSeries.push({ name: 'RTD indicative (next hour)', color: '#ea580c', step: true, dash: true, width: 1, points: rtd.map(p => [Date.parse(p.start), p.lmp]) });
  if (fc.length) priceSeries.push({ name: 'forecast P50 (band P10-P90)', color: '#7c3aed', dash: true, points: fc.map(i => [Date.parse(i.start), i.p50]) });
  lineChart($('price-chart'), {
    series: priceSeries, yLabel: '$/MWh',
    refs: [{ name: 'curtail above', value: t.curtail_above_usd_per_mwh, color: '#dc2626' }, { name: 'resume below', value: t.resume_below_usd_per_mwh, color: '#16a34a' }],
    band: fc.length ? { color: '#7c3aed', lo: fc.map(i => [Date.parse(i.start), i.p10]), hi: fc.map(i => [Date.parse(i.start), i.p90]) } : null,
  });

  $('events').innerHTML = s.active_events.length === 0 ? '<p class="muted">no active dispatch</p>' :
    s.active_events.map(e => `<p>${e.test ? '<span class="badge test" title="ERCOT test deployment">TEST</span> ' : ''}<b>${esc(e.program)}</b> ${esc(e.id)}: at most ${fmt(e.ceiling_mw, 3)} MW by ${cpt(e.deadline)}${e.target_met_at ? ' · met ' + cpt(e.target_met_at) : ''}</p>`).join('');
  const w = s.four_cp_watch;
  const likely = w ? w.today.filter(h => h.probability >= w.probability_threshold / 2).map(h =>
    `${cpt(h.hour_start).slice(-5)} p ${fmt(h.probability, 2)}${h.curtail === true ? ' (curtailed)' : h.curtail === false ? ' (run)' : ''}`) : [];
  $('fourcp').textContent = [
    s.four_cp ? `configured: months ${s.four_cp.months.join(', ')}, hours starting ${s.four_cp.hours.join(', ')} CPT` : null,
    w ? `watch${w.rule && w.rule !== '4cp' ? ' (' + w.rule_description + ')' : ''}: p ≥ ${w.probability_threshold}, ${w.used_hours_this_month}/${w.monthly_budget_hours} h used this month; ` +
        (w.problem ? w.problem : likely.length ? 'likely peak hours today ' + likely.join(', ') : 'no likely peak hour today') : null,
  ].filter(x => x).join(' · ') || 'no 4CP windows configured';
  // The reasons repeat from cycle to cycle while nothing changes: a row says so instead of printing them again.
  const why = c => (c.limits || []).map(l => l.detail).join(' → ');
  $('decisions').querySelector('tbody').innerHTML = decisions.map((c, i) => {
    const same = i + 1 < decisions.length && why(decisions[i + 1]) === why(c);
    return `<tr><td>${cpt(c.time)}</td><td>${esc(c.trigger)}</td><td class="num">${fmt(c.target_kw)}</td><td class="num">${fmt(c.measured_load_kw)}</td><td>${esc(c.limited_by)}</td>` +
      `<td class="why">${same ? '<span class="muted" title="' + esc(why(c)) + '">same reasons as the cycle before</span>' : esc(why(c))}</td></tr>`;
  }).join('');
}

/** Runs a panel's refresh every period; a failing panel says so in the header and does not stop the others. */
function every(ms, name, refresh) {
  const run = async () => {
    try {
      await refresh();
      document.body.dataset[name] = String(Date.now());
      $('clock').classList.remove('bad');
    } catch (e) {
      $('clock').textContent = `controller unreachable (${name}): ${e.message}`;
      $('clock').classList.add('bad');
    }
  };
  run();
  setInterval(run, ms);
  return run;
}

fleet.init();
const status = every(2000, 'updated', refreshStatus);
every(5000, 'fleet', fleet.refresh);
const history = every(15000, 'history', day.refresh);
every(30000, 'money', money.refresh);
every(15000, 'market', market.refresh);
const audit = every(10000, 'audit', controls.refreshAudit);
controls.init(() => { status(); history(); audit(); });
// Charts are drawn at the page's width: redrawn when it changes (a phone turned, a window resized).
let resizing;
addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(() => { status(); history(); }, 200); });
