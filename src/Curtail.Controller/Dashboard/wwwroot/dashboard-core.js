// Shared helpers of the dashboard's modules. No external scripts.
export const $ = id => document.getElementById(id);
// Ids, names and reasons come from operators and devices: escaped before they go into markup.
export const esc = v => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
export const fmt = (v, d = 0) => v == null || Number.isNaN(v) ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
export const usd = v => v == null ? '–' : (v < 0 ? '−$' : '$') + fmt(Math.abs(v), Math.abs(v) >= 1000 ? 0 : 2);
export const cpt = t => new Date(t).toLocaleString('en-US', { timeZone: 'America/Chicago', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

const partsFormat = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
/** The CPT calendar fields of a time in ms: { month, day, hour, minute }. */
export function cptParts(t) {
  const p = Object.fromEntries(partsFormat.formatToParts(new Date(t)).map(x => [x.type, x.value]));
  return { month: p.month, day: p.day, hour: Number(p.hour) % 24, minute: Number(p.minute) };
}

export async function json(url, options) {
  const r = await fetch(url, { cache: 'no-store', ...options });
  if (!r.ok) throw new Error(url + ' ' + r.status);
  return r.status === 204 ? null : r.json();
}

/** Like json(), but null instead of an error: for optional panels (no forecaster, an older controller). */
export const optional = (url, fallback = null) => json(url).catch(() => fallback);
