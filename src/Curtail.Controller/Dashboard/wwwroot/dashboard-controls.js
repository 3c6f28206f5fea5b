// Strikes and overrides behind the API token, and the audit of every change. The token stays in this tab's session
// storage only; the controller checks it (trader role) on every write and audits who made the change.
import { $, esc, cpt, json } from './dashboard-core.js';

const TOKEN_KEY = 'curtail-token';
const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

function say(text, ok) {
  $('control-result').textContent = text;
  $('control-result').className = ok ? 'ok' : 'bad';
}

async function send(method, url, body) {
  if (!token()) { say('enter an API token first', false); return false; }
  const r = await fetch(url, {
    method, cache: 'no-store',
    headers: { Authorization: 'Bearer ' + token(), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (r.ok) return true;
  const problem = await r.json().catch(() => ({}));
  say(`${r.status}: ${problem.error ?? r.statusText}`, false);
  return false;
}

const num = id => $(id).value === '' ? undefined : Number($(id).value);

export function init(onChange) {
  $('token').value = token();
  $('token').addEventListener('change', e => { sessionStorage.setItem(TOKEN_KEY, e.target.value.trim()); say(e.target.value ? 'token set for this tab' : 'token cleared', true); });
  for (const id of ['curtail-above', 'resume-below']) $(id).addEventListener('input', () => { $(id).dataset.touched = '1'; });
  $('strikes-form').addEventListener('submit', async e => {
    e.preventDefault();
    const body = { curtail_above_usd_per_mwh: num('curtail-above'), resume_below_usd_per_mwh: num('resume-below') };
    if (await send('PUT', '/api/trading', body)) {
      for (const id of ['curtail-above', 'resume-below']) delete $(id).dataset.touched;
      say('strikes saved', true); onChange();
    }
  });
  $('override-form').addEventListener('submit', async e => {
    e.preventDefault();
    const body = { mode: $('override-mode').value, minutes: num('override-minutes'), reason: $('override-reason').value || undefined };
    if (await send('POST', '/api/overrides', body)) { say(`override ${body.mode} for ${body.minutes} min set`, true); onChange(); }
  });
  $('override-clear').addEventListener('click', async () => {
    if (await send('DELETE', '/api/overrides')) { say('override cleared', true); onChange(); }
  });
}

/** Fills the strike inputs from the live settings unless the operator is editing them. */
export function show(status) {
  const t = status.trading;
  for (const [id, v] of [['curtail-above', t.curtail_above_usd_per_mwh], ['resume-below', t.resume_below_usd_per_mwh]])
    if (document.activeElement !== $(id) && !$(id).dataset.touched) $(id).value = v ?? '';
  $('override-now').textContent = status.override ? `active: ${status.override.mode} until ${cpt(status.override.until)} CPT by ${status.override.set_by}` : 'no override active';
}

const brief = v => {
  if (v == null) return '';
  try {
    const o = JSON.parse(v);
    return o && typeof o === 'object' ? Object.entries(o).filter(([, x]) => x != null && typeof x !== 'object').map(([k, x]) => `${k} ${x}`).join(', ') : String(o);
  } catch { return v; }
};

export async function refreshAudit() {
  const rows = await json('/api/audit?kind=changes&limit=15');
  $('audit').querySelector('tbody').innerHTML = rows.map(a => `<tr><td>${esc(cpt(a.time))}</td><td>${esc(a.actor)}</td><td>${esc(a.action)}</td>` +
    `<td class="change" title="${esc(a.old_value ?? '')} → ${esc(a.new_value ?? '')}">${esc(brief(a.new_value)) || '<span class="muted">cleared</span>'}</td></tr>`).join('')
    || '<tr><td colspan="4" class="muted">no change yet</td></tr>';
}
