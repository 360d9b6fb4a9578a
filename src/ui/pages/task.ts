/** A task: its status line, last log lines (with a follow toggle) and redacted inspect. */
import type { ResolvedTask } from '../../inventory/model.js';
import type { TaskStatus } from '../../tasks/status.js';
import type { Fetched, LogLine } from '../dashboard-data.js';
import { html, urlPart, type SafeHtml } from '../html.js';
import { badge, shown, uptime } from './format.js';

export function taskBody(
  t: ResolvedTask,
  status: TaskStatus | undefined,
  logs: Fetched<LogLine[]>,
  inspect: Fetched<{ inspect: unknown }>,
): SafeHtml {
  const base = `/task/${urlPart(t.service)}/${urlPart(t.job)}/${urlPart(t.task)}`;
  const facts = html`<dl class="kv">
<dt>Host</dt><dd>${t.host}</dd>
<dt>Container</dt><dd class="mono">${t.container}</dd>
<dt>State</dt><dd id="task-state">${status ? badge(status.state) : badge('unknown')} ${status ? badge(status.health) : ''}</dd>
<dt>Image</dt><dd class="mono">${shown(status?.image ?? t.spec.image)}</dd>
<dt>Uptime</dt><dd>${uptime(status?.uptime_ms ?? null)}</dd>
${status?.drift ? html`<dt>Drift</dt><dd>${status.drift_fields.join(', ') || 'hash differs'}</dd>` : ''}
<dt>History</dt><dd><a href="/history/${urlPart(t.service)}/${urlPart(t.job)}">${t.service}/${t.job}</a></dd>
</dl>`;

  const logPart = logs.ok
    ? html`<pre id="logs" class="logs" data-src="/api${base}/logs">${logs.value.map(logLine)}</pre>`
    : html`<div class="alert" id="logs-error">logs unavailable: ${shown(logs.error)}</div>`;
  const inspectPart = inspect.ok
    ? html`<pre id="inspect" class="inspect">${JSON.stringify(inspect.value.inspect, null, 2)}</pre>`
    : html`<div class="alert" id="inspect-error">inspect unavailable: ${shown(inspect.error)}</div>`;

  return html`<section class="panel">${facts}</section>
<section class="panel"><div class="row"><h2>Logs</h2><span class="note">last ${logs.ok ? logs.value.length : 0} lines</span>
<label class="note"><input type="checkbox" id="follow"> follow</label></div>${logPart}</section>
<section class="panel"><h2>Inspect</h2><p class="note">Secret values are shown as &lt;redacted&gt;.</p>${inspectPart}</section>`;
}

function logLine(l: LogLine): SafeHtml {
  return html`${l.time ? html`<span class="t">${l.time.slice(11, 19)} </span>` : ''}<span${l.stream === 'stderr' ? html` class="err"` : ''}>${shown(l.text)}
</span>`;
}
