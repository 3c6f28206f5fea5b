// Energy panel: where the site's power comes from now (miners, genset, grid import/export), from /api/status's
// `energy` object. Self-contained (its own element and poll) so the dashboard around it can change freely.
(() => {
  const f = v => v == null || Number.isNaN(v) ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: 0 });
  const panel = document.createElement('div');
  panel.className = 'kpi';
  panel.id = 'energy-panel';
  panel.innerHTML = '<span id="energy-title">grid</span><b id="energy-net">–</b><small id="energy-detail"></small>';
  const host = document.querySelector('.kpis') || document.body;
  host.appendChild(panel);
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  async function poll() {
    try {
      const r = await fetch('/api/status?miners=false', { cache: 'no-store' });
      if (!r.ok) return;
      const e = (await r.json()).energy;
      if (!e) return;
      if (e.topology === 'island') {
        set('energy-title', 'island (no grid)');
        set('energy-net', e.genset_kw == null ? '–' : `genset ${f(e.genset_kw)} kW`);
      } else {
        set('energy-title', e.export_kw > 0 ? 'exporting to the grid' : 'importing from the grid');
        set('energy-net', e.grid_net_kw == null ? '–' : e.export_kw > 0 ? `export ${f(e.export_kw)} kW` : `import ${f(e.import_kw)} kW`);
      }
      const parts = [`miners ${f(e.miners_kw)} kW`];
      if (e.topology !== 'grid') parts.push(`genset ${f(e.genset_kw)} kW (min ${f(e.genset_min_load_kw)})`);
      if (e.topology === 'grid_tied') parts.push(e.export_paid ? `export paid at RT, limit ${f(e.export_limit_kw)} kW` : 'export unpaid');
      if (e.import_limit_kw != null) parts.push(`import limit ${f(e.import_limit_kw)} kW`);
      set('energy-detail', parts.join(' · '));
    } catch { /* the main dashboard shows the link state */ }
  }
  poll();
  setInterval(poll, 2000);
})();
