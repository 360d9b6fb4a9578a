/** Hosts: cpus, load, memory, disks and per-container figures, one panel per host. */
import type { HostRow } from '../dashboard-data.js';
import { html, type SafeHtml } from '../html.js';
import { badge, bytes, percentBar, shown } from './format.js';

export function hostsBody(rows: HostRow[]): SafeHtml {
  return html`<div class="grid">${rows.map(hostPanel)}</div>`;
}

function hostPanel(r: HostRow): SafeHtml {
  const head = html`<div class="row"><h2>${r.host}</h2><span class="note">${r.address}</span>${badge(r.stats ? 'reachable' : 'unreachable')}</div>`;
  if (!r.stats)
    return html`<section class="panel host" data-host="${r.host}">${head}<div class="alert">${shown(r.error)}</div></section>`;
  const s = r.stats;
  const load = [s.load1, s.load5, s.load15]
    .map((n) => (n === null ? '—' : n.toFixed(2)))
    .join(' · ');
  return html`<section class="panel host" data-host="${r.host}">${head}
<dl class="kv">
<dt>CPUs</dt><dd>${s.cpus ?? '—'}</dd>
<dt>Load</dt><dd>${load}</dd>
<dt>Memory</dt><dd>${bytes(s.mem_used)} / ${bytes(s.mem_total)} ${percentBar(s.mem_used, s.mem_total)}</dd>
<dt>Docker</dt><dd>${s.docker ? `${s.docker.server_version ?? '?'} · ${s.docker.running ?? '?'} running / ${s.docker.containers ?? '?'} containers` : '—'}</dd>
${s.disks.map((d) => html`<dt>Disk <span class="mono">${shown(d.mount)}</span></dt><dd>${bytes(d.used)} / ${bytes(d.size)} ${percentBar(d.used, d.size)}</dd>`)}
</dl>
${
  s.containers.length
    ? html`<table class="containers"><thead><tr><th>Container</th><th>CPU</th><th>Memory</th></tr></thead><tbody>${s.containers.map(
        (c) =>
          html`<tr><td class="mono">${shown(c.name)}</td><td>${c.cpu_percent === null ? '—' : `${c.cpu_percent.toFixed(1)}%`}</td><td>${bytes(c.mem_used)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="note">No deploy containers.</p>`
}
</section>`;
}
