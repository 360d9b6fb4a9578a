/**
 * `deploy push [TARGET] [-m MSG]`: validates the files, records each selected service's
 * resolved spec as a release and notifies (tasks/use-cases/push.ts). Contacts no host.
 */
import { loadProject, selectTargets } from '../../inventory/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { push, type JobChange, type PushReport } from '../../tasks/use-cases/push.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { noticesFor } from '../run-io.js';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const startedAt = Date.now();
  const project = await loadProject({
    dir: globals.dir,
    inventory: globals.inventory,
    requireSecrets: true,
  });
  if (!globals.json) {
    for (const w of project.warnings) {
      process.stderr.write(
        `warning: ${w.file}:${w.line}:${w.col}: ${w.path ? w.path + ': ' : ''}${w.message}\n`,
      );
    }
  }
  const report = await push(project, globals, noticesFor(globals), {
    selection: selectTargets(project, args[0]),
    target: args[0],
    ...(typeof opts.message === 'string' ? { message: opts.message } : {}),
    startedAt,
  });
  render(globals, report);
  return 0;
}

function render(globals: GlobalOptions, report: PushReport): void {
  const { entries, notifications, hookFailures } = report;
  if (globals.json) {
    printJson({
      ok: true,
      entry: entries[0]?.id ?? null,
      entries: entries.map((e) => e.id),
      run: report.run,
      tasks: [],
      pushed: entries.map((e) => ({ service: e.service, entry: e.id, changes: e.changes })),
      notifications,
      ...(hookFailures.length ? { warnings: hookFailures } : {}),
    });
    return;
  }
  for (const entry of entries) {
    process.stdout.write(
      `pushed ${entry.service} as ${entry.id}${report.dirty ? ' (uncommitted changes in the config)' : ''}\n`,
    );
    for (const line of describeChanges(entry.changes as JobChange[]))
      process.stdout.write(`  ${escapeControl(line)}\n`);
  }
  if (entries.length === 0) process.stdout.write('nothing selected: nothing recorded\n');
}

function describeChanges(changes: JobChange[]): string[] {
  return changes.map((c) => {
    if (c.change === 'added') return `${c.job}: new${c.image ? ` (${c.image.to ?? '?'})` : ''}`;
    if (c.change === 'removed') return `${c.job}: removed`;
    if (c.change === 'unchanged') return `${c.job}: unchanged`;
    const parts: string[] = [];
    if (c.image) parts.push(`image ${c.image.from ?? '(none)'} → ${c.image.to ?? '(none)'}`);
    const fields = c.fields.filter((f) => !(c.image && f === 'image'));
    if (fields.length) parts.push(`${fields.join(', ')} changed`);
    return `${c.job}: ${parts.join('; ')}`;
  });
}
