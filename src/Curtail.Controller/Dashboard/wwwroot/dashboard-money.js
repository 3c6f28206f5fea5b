// Today's and the month's money, priced by the controller with the backtest's money model (/api/money).
import { $, esc, usd, fmt, json } from './dashboard-core.js';

const ROWS = [
  ['hash revenue', t => usd(t.hash_revenue_usd)],
  ['energy cost', t => usd(t.energy_cost_usd)],
  ['margin', t => usd(t.margin_usd)],
  ['always-on margin', t => usd(t.always_on_margin_usd)],
  ['saved by curtailing', t => usd(t.curtailment_savings_usd)],
  ['energy', t => `${fmt(t.energy_mwh, 2)} MWh`],
];

export async function refresh() {
  const m = await json('/api/money');
  $('money').querySelector('tbody').innerHTML = ROWS.map(([name, f]) => `<tr><td>${name}</td><td class="num">${esc(f(m.today))}</td><td class="num">${esc(f(m.this_month))}</td></tr>`).join('')
    + (m.today.dr_credits_usd == null
      ? `<tr><td>DR credits</td><td class="num muted" colspan="2" title="${esc(m.dr_credits_note)}">not enrolled</td></tr>`
      : `<tr><td title="${esc(m.dr_programs.map(p => `${p.program} ${fmt(p.capacity_mw, 2)} MW × $${fmt(p.credit_usd_per_mw_hour, 2)}/MW-h`).join(', '))}">DR credits</td>` +
        `<td class="num">${esc(usd(m.today.dr_credits_usd))}</td><td class="num">${esc(usd(m.this_month.dr_credits_usd))}</td></tr>`);
  $('money-month').textContent = m.month;
  $('savings-today').textContent = usd(m.today.curtailment_savings_usd);
  $('savings-detail').textContent = `this month ${usd(m.this_month.curtailment_savings_usd)} · margin today ${usd(m.today.margin_usd)}`;
}
