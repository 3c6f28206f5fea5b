// SVG charts drawn by our own code: "nice" value ticks (1/2/5 × 10^n), ticks on round CPT times, and labels that do not overlap.
import { esc, fmt, cptParts } from './dashboard-core.js';

/** Ticks on multiples of 1, 2 or 5 × 10^n covering [lo, hi], at most about maxTicks of them. */
export function niceTicks(lo, hi, maxTicks) {
  if (!(hi > lo)) return { step: 1, ticks: [lo] };
  const raw = (hi - lo) / Math.max(1, maxTicks);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { step, ticks };
}

const MINUTE = 60_000;
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map(m => m * MINUTE);

/** The index in TIME_STEPS of the finest step giving at most maxTicks ticks over [t0, t1] (the coarsest if none does). */
function densestStep(t0, t1, maxTicks) {
  const i = TIME_STEPS.findIndex(s => (t1 - t0) / s <= Math.max(1, maxTicks));
  return i < 0 ? TIME_STEPS.length - 1 : i;
}

/** The ticks of one step on round CPT times (5-minute to day marks) in [t0, t1]. */
function ticksEvery(t0, t1, step) {
  const ticks = [];
  // CPT is a whole number of hours from UTC: stepping from a UTC-aligned start keeps minutes round, and the hour of
  // multi-hour steps is checked in CPT.
  const base = Math.min(step, 60 * MINUTE);
  for (let t = Math.ceil(t0 / base) * base; t <= t1; t += base) {
    const p = cptParts(t);
    const minutes = p.hour * 60 + p.minute;
    if (minutes % (step / MINUTE) === 0) ticks.push(t);
  }
  return { step, ticks };
}

/** "HH:mm" in CPT, with the date when the tick starts a day or the axis spans days. */
function timeLabel(t, step, first) {
  const p = cptParts(t);
  const hm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  return (p.hour === 0 && p.minute === 0) || (first && step >= 360 * MINUTE) ? `${p.month}/${p.day} ${hm}` : hm;
}

/** The time labels of one step laid out on the axis: each label's text, anchor and extent in px. */
function placeTimeLabels({ step, ticks }, X, W) {
  return ticks.map((t, i) => {
    const label = timeLabel(t, step, i === 0), w = label.length * CHAR_W, x = X(t);
    // Near an edge the label is anchored to stay whole instead of being cut.
    const anchor = x - w / 2 < 2 ? 'start' : x + w / 2 > W - 2 ? 'end' : 'middle';
    const at = anchor === 'start' ? Math.max(x, 2) : anchor === 'end' ? Math.min(x, W - 2) : x;
    const left = anchor === 'start' ? at : anchor === 'end' ? at - w : at - w / 2;
    return { t, x, label, anchor, at, left, right: left + w };
  });
}

/**
 * The time axis's labels. Time labels are about 30px wide (68 with a date): one per 64px at most, and a coarser step
 * while any two would come closer than 8px (dates at midnight on a narrow chart). A short span on a narrow chart (two
 * hours on a phone) would get two labels: it takes the next finer step instead when that gives more labels that
 * still keep 8px apart, less an end label that the chart's edge pushed against its neighbour.
 */
export function timeAxis(x0, x1, X, W, plotWidth) {
  const place = i => placeTimeLabels(ticksEvery(x0, x1, TIME_STEPS[i]), X, W);
  const apart = labels => labels.every((l, k) => k === 0 || l.left - labels[k - 1].right >= 8);
  let i = densestStep(x0, x1, Math.max(2, Math.floor(plotWidth / 64)));
  let labels = place(i);
  while (!apart(labels) && i < TIME_STEPS.length - 1) labels = place(++i);
  if (labels.length >= 3 || i === 0) return labels;
  const finer = withoutCrowdedEnds(place(i - 1));
  return apart(finer) && finer.length > labels.length ? finer : labels;
}

/** Drops an end label that its anchoring at the chart's edge pushed against its neighbour (the step stays even). */
function withoutCrowdedEnds(labels) {
  const close = (a, b) => b.left - a.right < 8;
  let out = labels;
  if (out.length > 1 && close(out[0], out[1])) out = out.slice(1);
  if (out.length > 1 && close(out.at(-2), out.at(-1))) out = out.slice(0, -1);
  return out;
}

/** Moves labels (sorted by y) apart so that no two are closer than gap, keeping them inside [top, bottom]. */
export function spread(labels, gap, top, bottom) {
  const sorted = labels.slice().sort((a, b) => a.y - b.y);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].y - sorted[i - 1].y < gap) sorted[i].y = sorted[i - 1].y + gap;
  const over = sorted.length ? sorted.at(-1).y - bottom : 0;
  if (over > 0) for (let i = sorted.length - 1; i >= 0; i--) {
    const limit = i === sorted.length - 1 ? bottom : sorted[i + 1].y - gap;
    if (sorted[i].y > limit) sorted[i].y = limit;
  }
  for (const l of sorted) l.y = Math.max(top, l.y);
  return sorted;
}

const CHAR_W = 6.2; // the axis font's average glyph width in px, for laying out before the browser measures

/**
 * A line chart sized to the element's width in CSS pixels, so text stays 11px on a phone. series: [{ name, color,
 * points: [[t, v]], step, dash, width }]; refs: horizontal lines with a label; band: { lo, hi, color }; spans: shaded
 * time ranges [{ start, end, color, title }].
 */
export function lineChart(svg, { series, refs = [], yLabel, band = null, spans = [], height = 240, xRange = null }) {
  const W = Math.max(300, Math.round(svg.clientWidth || svg.parentElement?.clientWidth || 900));
  const H = height, L = 70, R = 12, B = 28;
  // The legend sits above the plot in as many rows as the width needs, never on top of the lines or labels.
  const rows = [[]];
  let lx = L;
  for (const s of series) {
    const w = 18 + s.name.length * CHAR_W + 12;
    if (lx + w > W - R && rows.at(-1).length) { rows.push([]); lx = L; }
    rows.at(-1).push({ s, x: lx });
    lx += w;
  }
  const T = 8 + rows.length * 15;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('height', H);
  const pts = series.flatMap(s => s.points).concat(band ? band.hi.concat(band.lo) : []);
  if (pts.length === 0) { svg.innerHTML = `<text x="${L}" y="40" class="axis">no data yet</text>`; return; }
  const xs = pts.map(p => p[0]);
  const x0 = xRange ? xRange[0] : Math.min(...xs), x1 = xRange ? xRange[1] : Math.max(...xs, x0 + 1);
  const ys = pts.map(p => p[1]).concat(refs.map(r => r.value)).filter(v => v != null && isFinite(v));
  const rawLo = Math.min(0, ...ys), rawHi = Math.max(...ys, rawLo + 1);
  const yTicks = niceTicks(rawLo, rawHi + (rawHi - rawLo) * 0.05, Math.max(2, Math.floor((H - T - B) / 32)));
  const y0 = Math.min(rawLo, yTicks.ticks[0]), y1 = Math.max(yTicks.ticks.at(-1), rawHi);
  const X = t => L + (t - x0) / (x1 - x0) * (W - L - R), Y = v => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const decimals = yTicks.step < 1 ? Math.min(3, Math.ceil(-Math.log10(yTicks.step))) : 0;
  let out = '';
  for (const s of spans) out += `<rect class="span" x="${X(Math.max(x0, s.start))}" y="${T}" width="${Math.max(1, X(Math.min(x1, s.end)) - X(Math.max(x0, s.start)))}" height="${H - T - B}" fill="${s.color}" opacity="0.12"><title>${esc(s.title)}</title></rect>`;
  for (const v of yTicks.ticks) if (v >= y0 && v <= y1) out += `<line class="grid-line" x1="${L}" x2="${W - R}" y1="${Y(v)}" y2="${Y(v)}"/><text class="axis y-tick" x="${L - 4}" y="${Y(v) + 4}" text-anchor="end">${fmt(v, decimals)}</text>`;
  for (const { x, label, anchor, at } of timeAxis(x0, x1, X, W, W - L - R))
    out += `<line class="grid-line" x1="${x}" x2="${x}" y1="${T}" y2="${H - B}"/><text class="axis x-tick" x="${at}" y="${H - 6}" text-anchor="${anchor}">${label}</text>`;
  if (band && band.hi.length > 1) {
    const poly = band.hi.map(p => `${X(p[0])},${Y(p[1])}`).concat(band.lo.slice().reverse().map(p => `${X(p[0])},${Y(p[1])}`)).join(' ');
    out += `<polygon points="${poly}" fill="${band.color}" opacity="0.18"/>`;
  }
  const refLabels = refs.filter(r => r.value != null && isFinite(r.value)).map(r => ({ r, y: Y(r.value) - 3 }));
  for (const { r } of refLabels) out += `<line x1="${L}" x2="${W - R}" y1="${Y(r.value)}" y2="${Y(r.value)}" stroke="${r.color}" stroke-dasharray="6 4"/>`;
  for (const s of series) {
    const d = s.points.map((p, i) => (s.step && i > 0 ? `H${X(p[0])}V${Y(p[1])}` : `${i ? 'L' : 'M'}${X(p[0])},${Y(p[1])}`)).join('');
    if (d) out += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width || 1.6}"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`;
  }
  // Strike labels close together (150 and 100 on a $0-5,000 axis) are pushed apart, not printed over each other.
  for (const { r, y } of spread(refLabels, 13, T + 10, H - B - 2))
    out += `<text class="axis ref-label" x="${W - R - 2}" y="${y}" text-anchor="end" fill="${r.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(r.name)} ${fmt(r.value)}</text>`;
  rows.forEach((row, i) => row.forEach(({ s, x }) => {
    const y = 8 + i * 15;
    out += `<rect x="${x}" y="${y + 3}" width="12" height="3" fill="${s.color}"/><text class="axis legend" x="${x + 16}" y="${y + 8}">${esc(s.name)}</text>`;
  }));
  out += `<text class="axis" transform="translate(12 ${T + (H - T - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
  svg.innerHTML = out;
}

/** A strip of labelled rows of time bars (curtailments, DR events) on the same time axis as the charts above it. */
export function timeline(svg, { rows, x0, x1 }) {
  const W = Math.max(300, Math.round(svg.clientWidth || svg.parentElement?.clientWidth || 900));
  const L = 70, R = 12, rowH = 20, B = 22, H = rows.length * rowH + B + 4;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('height', H);
  const X = t => L + (Math.min(x1, Math.max(x0, t)) - x0) / (x1 - x0) * (W - L - R);
  let out = '';
  rows.forEach((row, i) => {
    const y = 4 + i * rowH;
    out += `<text class="axis row-label" x="${L - 4}" y="${y + 13}" text-anchor="end">${esc(row.name)}</text><line class="grid-line" x1="${L}" x2="${W - R}" y1="${y + rowH - 2}" y2="${y + rowH - 2}"/>`;
    for (const b of row.bars) out += `<rect class="bar" x="${X(b.start)}" y="${y + 3}" width="${Math.max(2, X(b.end) - X(b.start))}" height="${rowH - 8}" rx="2" fill="${b.color}"><title>${esc(b.title)}</title></rect>`;
    if (!row.bars.length) out += `<text class="axis" x="${L + 6}" y="${y + 13}">none</text>`;
  });
  for (const { label, anchor, at } of timeAxis(x0, x1, X, W, W - L - R))
    out += `<text class="axis x-tick" x="${at}" y="${H - 6}" text-anchor="${anchor}">${label}</text>`;
  svg.innerHTML = out;
}
