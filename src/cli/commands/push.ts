/**
 * `deploy push [TARGET] [-m MSG]`: validates the files, records each selected service's
 * resolved spec as a release (with what changed per job since that service's previous
 * push in this inventory) and notifies. It contacts no host and pushes no image.
 */
import { loadProject, selectTargets } from '../../inventory/index.js';
import {
  appendEntries,
  buildEntry,
  configState,
  jobChanges,
  readLedger,
  serviceSpec,
  specOf,
  ulid,
  whoAmI,
  type JobChange,
  type LedgerEntry,
} from '../../ledger/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { announceEntries, runPreHook } from '../../tasks/use-cases/run-events.js';
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
  const target = args[0];
  const selection = selectTargets(project, target);
  const message = typeof opts.message === 'string' ? opts.message : undefined;
  const inventory = project.inventory.name;
  const targets = [target ?? 'all'];
  const run = ulid(startedAt);
  const user = await whoAmI(project.dir);

  await runPreHook(
    project,
    { timeoutMs: globals.timeoutMs, notices: noticesFor(globals) },
    {
      event: 'push',
      service: selection.services.map((s) => s.service).join(','),
      run,
      user,
      inventory,
      targets,
      ...(message !== undefined ? { message } : {}),
    },
    'nothing was recorded',
  );

  const git = await configState(project.dir);
  const entries: LedgerEntry[] = [];
  for (const selected of selection.services) {
    // The whole service is recorded (so `rollback --to` this entry restores every job);
    // changes are reported for the selected jobs.
    const full = project.services.find((s) => s.service === selected.service) ?? selected;
    const spec = serviceSpec(full);
    const { entries: previous } = await readLedger(project.dir, {
      service: full.service,
      inventory,
    });
    const lastPush = previous.filter((e) => e.action === 'push').at(-1);
    const wanted = new Set(selected.jobs.map((j) => j.job));
    const changes = jobChanges(lastPush ? specOf(lastPush) : undefined, spec).filter(
      (c) => wanted.has(c.job) || selection.kind === 'service' || selection.kind === 'all',
    );
    entries.push(
      buildEntry({
        run,
        user,
        action: 'push',
        service: full.service,
        targets,
        inventory,
        config_commit: git.commit,
        config_dirty: git.dirty,
        spec,
        tasks: [],
        outcome: 'ok',
        duration_ms: Date.now() - startedAt,
        changes,
        ...(message !== undefined ? { message } : {}),
      }),
    );
  }
  await appendEntries(project.dir, entries, {
    secrets: project.secrets,
    lockWaitMs: Math.max(globals.lockWaitMs, 15_000),
  });

  const { notifications, hookFailures } = await announceEntries(
    project,
    { timeoutMs: globals.timeoutMs, notices: noticesFor(globals) },
    entries,
  );

  if (globals.json) {
    printJson({
      ok: true,
      entry: entries[0]?.id ?? null,
      entries: entries.map((e) => e.id),
      run,
      tasks: [],
      pushed: entries.map((e) => ({ service: e.service, entry: e.id, changes: e.changes })),
      notifications,
      ...(hookFailures.length ? { warnings: hookFailures } : {}),
    });
    return 0;
  }
  for (const entry of entries) {
    process.stdout.write(
      `pushed ${entry.service} as ${entry.id}${git.dirty ? ' (uncommitted changes in the config)' : ''}\n`,
    );
    for (const line of describeChanges(entry.changes as JobChange[]))
      process.stdout.write(`  ${escapeControl(line)}\n`);
  }
  if (entries.length === 0) process.stdout.write('nothing selected: nothing recorded\n');
  return 0;
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
