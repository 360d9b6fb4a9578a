/** A job's ledger history (this inventory only) and a diff between two entries' specs. */
import type { LedgerEntry, LedgerProblem } from '../../ledger/index.js';
import { jobSpec } from '../dashboard-data.js';
import { html, urlPart, type SafeHtml } from '../html.js';
import { diffLines, prettySorted } from '../spec-diff.js';
import { badge, shown, time } from './format.js';

export function historyBody(
  service: string,
  job: string,
  entries: LedgerEntry[],
  problems: LedgerProblem[],
  diff: { a: string | null; b: string | null },
): SafeHtml {
  const base = `/history/${urlPart(service)}/${urlPart(job)}`;
  const rows = entries.map((e, i) => {
    const tasks = e.tasks.filter((t) => t.job === job);
    const images = [...new Set(tasks.map((t) => t.image))];
    const older = entries[i + 1];
    const jobOutcome = tasks.length ? worst(tasks.map((t) => t.outcome)) : e.outcome;
    return html`<tr data-entry="${e.id}">
<td data-label="Entry" class="mono">${e.id}</td>
<td data-label="Time">${time(e.time)}</td>
<td data-label="User">${shown(e.user)}</td>
<td data-label="Action">${e.action}${e.source ? html` <span class="note">from ${shown(e.source)}</span>` : ''}${e.message ? html`<div class="note">${shown(e.message)}</div>` : ''}</td>
<td data-label="Images" class="mono">${images.length ? images.map((im, k) => html`${k ? html`<br>` : ''}${shown(im)}`) : '—'}</td>
<td data-label="Outcome">${badge(jobOutcome)}</td>
<td data-label="Diff">${older ? html`<a class="diff-link" href="${base}?a=${urlPart(older.id)}&amp;b=${urlPart(e.id)}">vs previous</a>` : html`<span class="note">first</span>`}</td>
</tr>`;
  });
  const table = entries.length
    ? html`<table class="cards history"><thead><tr><th>Entry</th><th>Time</th><th>User</th><th>Action</th><th>Images</th><th>Outcome</th><th>Diff</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="note" id="no-entries">No ledger entries of this inventory for ${service}/${job}.</p>`;
  const problemPart = problems.length
    ? html`<div class="alert">${problems.length} unreadable ledger line(s): ${problems.slice(0, 5).map((p) => html`<div>${p.file}:${p.line}: ${shown(p.message)}</div>`)}</div>`
    : '';
  return html`${problemPart}${diffPart(job, entries, diff)}<section class="panel">${table}</section>`;
}

function diffPart(
  job: string,
  entries: LedgerEntry[],
  want: { a: string | null; b: string | null },
): SafeHtml | string {
  if (!want.a || !want.b) return '';
  const a = entries.find((e) => e.id === want.a);
  const b = entries.find((e) => e.id === want.b);
  if (!a || !b)
    return html`<div class="alert">No entry ${!a ? want.a : want.b} for this job in this inventory.</div>`;
  const lines = diffLines(
    prettySorted(jobSpec(a, job) ?? null),
    prettySorted(jobSpec(b, job) ?? null),
  );
  const changed = lines.some((l) => l.op !== ' ');
  return html`<section class="panel" id="diff"><h2>Spec diff</h2>
<p class="note"><span class="mono">${a.id}</span> (${time(a.time)}) → <span class="mono">${b.id}</span> (${time(b.time)})</p>
${
  changed
    ? html`<pre class="diff">${lines.map(
        (
          l,
        ) => html`<span class="${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}">${l.op} ${shown(l.text)}
</span>`,
      )}</pre>`
    : html`<p class="note">The job's spec is the same in both entries.</p>`
}
</section>`;
}

const RANK = ['failed', 'interrupted', 'rolled_back', 'unreachable', 'partial', 'skipped'];
function worst(outcomes: string[]): string {
  for (const r of RANK) if (outcomes.includes(r)) return r;
  return outcomes[0] ?? 'ok';
}
