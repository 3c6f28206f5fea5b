// Curtail dashboard: polls the controller's own API every two seconds and redraws. No external scripts.
const $ = id => document.getElementById(id);
// Ids, names and reasons come from operators and devices: escaped before they go into markup.
const esc = v => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fmt = (v, d = 0) => v == null || Number.isNaN(v) ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cpt = t => new Date(t).toLocaleString('en-US', { timeZone: 'America/Chicago', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

function lineChart(svg, series, refs, yLabel, band) {
  const W = 900, H = 240, L = 56, R = 10, T = 10, B = 26;
  const pts = series.flatMap(s => s.points).concat(band ? band.hi : []);
  if (pts.length === 0) { svg.innerHTML = `<text x="${L}" y="40" class="axis">no data yet</text>`; return; }
  const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]).concat(refs.map(r => r.value)).filter(v => v != null && isFinite(v));
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(0, ...ys), y1 = Math.max(...ys, y0 + 1);
  const pad = (y1 - y0) * 0.08; y1 += pad;
  const X = t => L + (t - x0) / (x1 - x0) * (W - L - R), Y = v => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  let out = '';
  for (let k = 0; k <= 4; k++) { const v = y0 + (y1 - y0) * k / 4; out += `<line class="grid-line" x1="${L}" x2="${W - R}" y1="${Y(v)}" y2="${Y(v)}"/><text class="axis" x="${L - 4}" y="${Y(v) + 4}" text-anchor="end">${fmt(v)}</text>`; }
  for (let k = 0; k <= 5; k++) { const t = x0 + (x1 - x0) * k / 5; out += `<text class="axis" x="${X(t)}" y="${H - 8}" text-anchor="middle">${cpt(t)}</text>`; }
  if (band && band.hi.length > 1) {
    const poly = band.hi.map(p => `${X(p[0])},${Y(p[1])}`).concat(band.lo.slice().reverse().map(p => `${X(p[0])},${Y(p[1])}`)).join(' ');
    out += `<polygon points="${poly}" fill="${band.color}" opacity="0.18"/>`;
  }
  for (const r of refs) if (r.value != null) out += `<line x1="${L}" x2="${W - R}" y1="${Y(r.value)}" y2="${Y(r.value)}" stroke="${r.color}" stroke-dasharray="6 4"/><text class="axis" x="${W - R - 2}" y="${Y(r.value) - 3}" text-anchor="end" fill="${r.color}">${r.name} ${fmt(r.value)}</text>`;
  for (const s of series) {
    const d = s.points.map((p, i) => (s.step && i > 0 ? `H${X(p[0])}V${Y(p[1])}` : `${i ? 'L' : 'M'}${X(p[0])},${Y(p[1])}`)).join('');
    out += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width || 1.6}"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`;
  }
  let lx = L + 6; for (const s of series) { out += `<rect x="${lx}" y="${T + 2}" width="10" height="3" fill="${s.color}"/><text class="axis" x="${lx + 14}" y="${T + 7}">${s.name}</text>`; lx += 24 + s.name.length * 6.5; }
  out += `<text class="axis" transform="translate(12 ${H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`;
  svg.innerHTML = out;
}

async function json(url) { const r = await fetch(url, { cache: 'no-store' }); if (!r.ok) throw new Error(url + ' ' + r.status); return r.json(); }

async function refresh() {
  try {
    const [s, prices, decisions, forecast, sced] = await Promise.all([json('/api/status'), json('/api/prices?hours=24'), json('/api/decisions?limit=120'),
      fetch('/api/forecast', { cache: 'no-store' }).then(r => r.ok ? r.json() : null).catch(() => null),
      fetch('/api/prices/sced', { cache: 'no-store' }).then(r => r.ok ? r.json() : []).catch(() => [])]);
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

    const fc = forecast ? forecast.intervals : [];
    const priceSeries = [{ name: 'settled price', color: '#1d4ed8', step: true, points: prices.map(p => [Date.parse(p.start), p.price]) }];
    // The 5-minute SCED LMPs beside the settled prices: each run holds until the next.
    if (sced.length) priceSeries.push({ name: 'SCED LMP (5-min)', color: '#ea580c', step: true, width: 1.2, points: sced.map(p => [Date.parse(p.time), p.lmp]) });
    if (fc.length) priceSeries.push({ name: 'forecast P50 (band P10-P90)', color: '#7c3aed', dash: true, points: fc.map(i => [Date.parse(i.start), i.p50]) });
    lineChart($('price-chart'), priceSeries,
      [{ name: 'curtail above', value: t.curtail_above_usd_per_mwh, color: '#dc2626' }, { name: 'resume below', value: t.resume_below_usd_per_mwh, color: '#16a34a' }], '$/MWh',
      fc.length ? { color: '#7c3aed', lo: fc.map(i => [Date.parse(i.start), i.p10]), hi: fc.map(i => [Date.parse(i.start), i.p90]) } : null);
    const cyc = decisions.slice().reverse();
    lineChart($('load-chart'), [
      { name: 'measured load', color: '#1d4ed8', step: true, points: cyc.map(c => [Date.parse(c.time), c.measured_load_kw]) },
      { name: 'target', color: '#f59e0b', step: true, points: cyc.map(c => [Date.parse(c.time), c.target_kw]) },
      { name: 'genset available', color: '#16a34a', step: true, points: cyc.filter(c => c.genset_available_kw != null).map(c => [Date.parse(c.time), c.genset_available_kw]) },
    ], [], 'kW');

    $('miner-states').innerHTML = Object.entries(s.miners_by_state).map(([k, v]) => `<span class="${esc(k)}">${esc(k)} ${esc(v)}</span>`).join('') || '<span>no miners configured</span>';
    $('miners').querySelector('tbody').innerHTML = s.miners.slice(0, 40).map(m => `<tr><td>${esc(m.id)}</td><td>${esc(m.family)}</td><td>${esc(m.mode)}</td><td>${fmt(m.power_w)}</td></tr>`).join('');
    $('events').innerHTML = s.active_events.length === 0 ? '<p class="muted">no active dispatch</p>' :
      s.active_events.map(e => `<p>${e.test ? '<span class="badge test" title="ERCOT test deployment">TEST</span> ' : ''}<b>${esc(e.program)}</b> ${esc(e.id)}: at most ${fmt(e.ceiling_mw, 3)} MW by ${cpt(e.deadline)}${e.target_met_at ? ' · met ' + cpt(e.target_met_at) : ''}</p>`).join('');
    const w = s.four_cp_watch;
    const likely = w ? w.today.filter(h => h.probability >= w.probability_threshold / 2).map(h =>
      `${cpt(h.hour_start).slice(-5)} p ${fmt(h.probability, 2)}${h.curtail === true ? ' (curtailed)' : h.curtail === false ? ' (run)' : ''}`) : [];
    $('fourcp').textContent = [
      s.four_cp ? `configured: months ${s.four_cp.months.join(', ')}, hours starting ${s.four_cp.hours.join(', ')} CPT` : null,
      w ? `watch: p ≥ ${w.probability_threshold}, ${w.used_hours_this_month}/${w.monthly_budget_hours} h used this month; ` +
          (w.problem ? w.problem : likely.length ? 'likely peak hours today ' + likely.join(', ') : 'no likely peak hour today') : null,
    ].filter(x => x).join(' · ') || 'no 4CP windows configured';
    $('decisions').querySelector('tbody').innerHTML = decisions.slice(0, 25).map(c =>
      `<tr><td>${cpt(c.time)}</td><td>${esc(c.trigger)}</td><td>${fmt(c.target_kw)}</td><td>${fmt(c.measured_load_kw)}</td><td>${esc(c.limited_by)}</td><td>${esc((c.limits || []).map(l => l.detail).join(' → '))}</td></tr>`).join('');
    document.body.dataset.updated = String(Date.now());
  } catch (e) {
    $('clock').textContent = 'controller unreachable: ' + e.message;
  }
}
refresh();
setInterval(refresh, 2000);
