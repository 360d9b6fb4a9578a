import { selectTargets } from '../../inventory/index.js';
import { readLedger } from '../../ledger/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { narrowTasks } from '../../tasks/selection.js';
import { rollbackGuard } from '../../tasks/rollback-guard.js';
import type { GlobalOptions } from '../context.js';
import { runDeployCommand } from '../deploy-run.js';
import { openSession } from '../session.js';

const DEPLOYS = new Set(['up', 'update', 'rollback']);

/** `deploy update [TARGET] [--only-failed] [--force] [--prune]`: roll changed tasks by policy. */
export async function run(globals: GlobalOptions, args: string[], opts: Record<string, unknown>): Promise<ExitCode> {
  const session = await openSession(globals, { requireSecrets: true });
  try {
    const selection = selectTargets(session.project, args[0], (opts.host as string[] | undefined) ?? []);
    let services = selection.services;
    const { entries } = await readLedger(session.project.dir, { inventory: session.project.inventory.name });
    if (opts.onlyFailed) {
      // SPEC §7.3: tasks whose outcome was not ok/unchanged in this inventory's newest deploy entry.
      const failed = new Set<string>();
      for (const s of services) {
        const newest = entries.filter((e) => e.service === s.service && DEPLOYS.has(e.action)).at(-1);
        for (const t of newest?.tasks ?? []) {
          if (t.outcome !== 'ok') failed.add(`${s.service}/${t.job}/${t.task}@${t.host}`);
        }
      }
      services = narrowTasks(services, (t) => failed.has(`${t.service}/${t.job}/${t.task}@${t.host}`));
    }
    return await runDeployCommand(globals, {
      action: 'update',
      session,
      services,
      targets: [selection.target],
      force: Boolean(opts.force),
      guard: opts.force ? undefined : rollbackGuard(services, session.project.services, entries, session.project.inventory.name),
    });
  } finally {
    await session.close();
  }
}
