/** Overview: services → jobs → tasks with state, health, drift, host, image and uptime. */
import type { Project } from '../../inventory/model.js';
import type { StatusReport, TaskStatus } from '../../tasks/status.js';
import { html, urlPart, type SafeHtml } from '../html.js';
import { badge, shown, uptime } from './format.js';
import type { PageContext } from './layout.js';

export function overviewBody(project: Project, report: StatusReport, ctx: PageContext): SafeHtml {
  const tasks = report.tasks.filter((t) => !t.orphan);
  const orphans = report.tasks.filter((t) => t.orphan);
  const down = report.hosts.filter((h) => !h.reachable);
  const running = tasks.filter((t) => t.state === 'running').length;
  const drift = tasks.filter((t) => t.drift).length;
  const unhealthy = tasks.filter((t) => t.health === 'unhealthy').length;

  const summary = html`<div class="summary" id="summary">
  <span class="chip"><b>${tasks.length}</b> tasks</span>
  <span class="chip"><b>${running}</b> running</span>
  <span class="chip"><b>${tasks.length - running}</b> not running</span>
  ${unhealthy ? html`<span class="chip"><b>${unhealthy}</b> unhealthy</span>` : ''}
  ${drift ? html`<span class="chip"><b>${drift}</b> drifted</span>` : ''}
  <span class="chip"><b>${report.hosts.length - down.length}/${report.hosts.length}</b> hosts reachable</span>
</div>`;

  const alerts = down.map(
    (h) =>
      html`<div class="alert host-unreachable" data-host="${h.host}"><b>${h.host}</b> (${h.address}) is unreachable: ${shown(h.error)}</div>`,
  );

  const services = project.services.map((s) => {
    const jobs = s.jobs.map((j) => {
      const rows = tasks.filter((t) => t.service === s.service && t.job === j.job);
      const history = ctx.standalone
        ? ''
        : html` <a class="note" href="/history/${urlPart(s.service)}/${urlPart(j.job)}">history</a>`;
      return html`<h3>${j.job}${history}</h3>${taskTable(rows, ctx)}`;
    });
    return html`<section class="panel service" data-service="${s.service}"><h2>${s.service}</h2>${jobs}</section>`;
  });

  const orphanPart = orphans.length
    ? html`<section class="panel"><h2>Orphans</h2><p class="note">Containers whose deploy labels name a task or host the files no longer have.</p>${taskTable(orphans, { ...ctx, publicMode: true })}</section>`
    : '';
  const foreign = report.foreign.length
    ? html`<section class="panel"><h2>Other inventories</h2><table><thead><tr><th>Container</th><th>Host</th><th>Inventory</th></tr></thead><tbody>${report.foreign.map(
        (f) =>
          html`<tr><td class="mono">${shown(f.container)}</td><td>${f.host}</td><td>${shown(f.inventory)}</td></tr>`,
      )}</tbody></table></section>`
    : '';
  const empty =
    project.services.length === 0 ? html`<p class="note">No services in jobs/.</p>` : '';
  return html`${summary}${alerts}${empty}${services}${orphanPart}${foreign}`;
}

function taskTable(rows: TaskStatus[], ctx: PageContext): SafeHtml {
  if (rows.length === 0) return html`<p class="note">No tasks.</p>`;
  const linked = !ctx.publicMode && !ctx.standalone;
  return html`<table class="cards tasks"><thead><tr><th>Task</th><th>Host</th><th>State</th><th>Health</th><th>Drift</th><th>Image</th><th>Uptime</th></tr></thead><tbody>${rows.map(
    (
      t,
    ) => html`<tr data-task="${t.service}/${t.job}/${t.task}" data-host="${t.host}" data-state="${t.state}">
<td data-label="Task">${linked ? html`<a href="/task/${urlPart(t.service)}/${urlPart(t.job)}/${urlPart(t.task)}">${t.task}</a>` : shown(t.task)}</td>
<td data-label="Host">${t.host}</td>
<td data-label="State">${badge(t.state)}${t.restarts ? html` <span class="note">${t.restarts} restarts</span>` : ''}</td>
<td data-label="Health">${badge(t.health)}</td>
<td data-label="Drift">${t.drift ? html`<span class="badge s-warn" title="${t.drift_fields.join(', ')}">drift</span> <span class="note">${t.drift_fields.join(', ')}</span>` : html`<span class="note">—</span>`}</td>
<td data-label="Image" class="mono">${shown(t.image ?? t.desired_image ?? '—')}</td>
<td data-label="Uptime">${uptime(t.uptime_ms)}</td>
</tr>`,
  )}</tbody></table>`;
}
