import { selectTargets } from '../../inventory/index.js';
import { findEntries, readLedger } from '../../ledger/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { narrowTasks } from '../../tasks/selection.js';
import { taskKey } from '../../tasks/plan.js';
import { readableHosts } from '../../tasks/host-names.js';
import { rollbackGuard } from '../../tasks/rollback-guard.js';
import { executeDown, planDown } from '../../tasks/down.js';
import type { TaskReport } from '../../tasks/deploy.js';
import { ulid, whoAmI } from '../../ledger/index.js';
import { confirm } from '../confirm.js';
import { lineReporter } from '../output.js';
import type { GlobalOptions } from '../context.js';
import { runDeployCommand } from '../deploy-run.js';
import { withSession } from '../session.js';

const DEPLOYS = new Set(['up', 'update', 'rollback']);

/** `deploy update [TARGET] [--only-failed] [--force] [--prune]`: roll changed tasks by policy. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: true }, async (session) => {
    const selection = selectTargets(
      session.project,
      args[0],
      (opts.host as string[] | undefined) ?? [],
    );
    let services = selection.services;
    const inventory = session.project.inventory.name;
    if (opts.onlyFailed) {
      const { entries } = await readLedger(session.project.dir, { inventory });
      // SPEC §7.3: tasks whose outcome was not ok/unchanged in this inventory's newest deploy entry.
      const failed = new Set<string>();
      for (const s of services) {
        const newest = entries
          .filter((e) => e.service === s.service && DEPLOYS.has(e.action))
          .at(-1);
        for (const t of newest?.tasks ?? []) {
          if (t.outcome !== 'ok') failed.add(taskKey({ ...t, service: s.service }));
        }
      }
      services = narrowTasks(services, (t) => failed.has(taskKey(t)));
    }
    let afterDeploy: ((report: { exitCode: number }) => Promise<TaskReport[]>) | undefined;
    if (opts.prune) {
      // Orphans can sit on any host: read them all, ask before anything changes, and remove
      // them only once the update itself succeeded (a moved task's old home goes last).
      const project = session.project;
      const orphanPlan = await planDown(
        project,
        selection.services,
        readableHosts(project),
        selection.kind === 'all' ? 'all' : true,
        session.pool,
        {
          parallel: globals.parallel,
          timeoutMs: globals.timeoutMs,
        },
      );
      const prune = { ...orphanPlan, remove: [] };
      if (prune.orphans.length > 0) {
        await confirm(
          globals,
          `Prune ${prune.orphans.length} orphaned container(s): ${prune.orphans.map((o) => `${o.name}@${o.host}`).join(', ')}?`,
        );
        afterDeploy = async (report) => {
          if (report.exitCode !== 0) {
            return prune.orphans.map((o) => ({
              service: o.service,
              job: o.job,
              task: o.task,
              host: o.host,
              container: o.name,
              image: o.image,
              hash: o.hash,
              action: 'remove' as const,
              reasons: ['orphan'],
              outcome: 'skipped' as const,
              error: 'the update failed; orphans kept',
              container_id: o.id,
            }));
          }
          const down = await executeDown(project, selection.services, prune, {
            parallel: globals.parallel,
            lockWaitMs: globals.lockWaitMs,
            reporter: lineReporter(globals),
            user: await whoAmI(project.dir),
            command: ['deploy', ...process.argv.slice(2)].join(' '),
            run: ulid(),
            signal: session.signal,
          });
          return down.tasks;
        };
      }
    }
    return runDeployCommand(globals, {
      action: 'update',
      session,
      services,
      targets: [selection.target],
      force: Boolean(opts.force),
      afterDeploy,
      guard: opts.force
        ? undefined
        : rollbackGuard(
            services,
            session.project.services,
            (ids) => findEntries(session.project.dir, ids, { inventory }),
            inventory,
          ),
    });
  });
}
