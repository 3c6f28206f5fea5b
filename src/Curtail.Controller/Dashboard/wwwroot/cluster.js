// The header's cluster badge: which instance leads this site and how many check in (GET /api/cluster). Hidden on a
// single controller. Its own file and timer, so the main dashboard's refresh stays as it is.
(() => {
  const badge = document.getElementById('cluster');
  async function refresh() {
    try {
      const r = await fetch('/api/cluster', { cache: 'no-store' });
      if (!r.ok) throw new Error('/api/cluster ' + r.status);
      const c = await r.json();
      if (!c.clustered) { badge.hidden = true; return; }
      const others = c.instances.filter(i => i.instance_id !== c.self).map(i => i.instance_id);
      badge.textContent = (c.leader === c.self ? 'leader ' : 'standby · leader ' + (c.leader ?? 'none') + ' · this ') + c.self
        + (others.length ? ' · also ' + others.join(', ') : '');
      badge.className = 'badge ' + (c.leader ? 'info' : 'warn');
      badge.title = c.instances.map(i => `${i.instance_id}${i.leader ? ' (leader)' : ''}: last check-in ${i.last_checkin}`).join('\n');
      badge.hidden = false;
    } catch (e) {
      badge.textContent = 'cluster: ' + e.message;
      badge.className = 'badge warn';
      badge.hidden = false;
    }
  }
  refresh();
  setInterval(refresh, 5000);
})();
