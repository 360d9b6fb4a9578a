/**
 * `deploy update [TARGET] [--only-failed] [--force] [--prune]` (SPEC §7.3): roll changed
 * tasks by each job's policy. `--only-failed` narrows to what did not succeed last time;
 * `--prune` removes the orphans once the update itself succeeded; without `--force` the
 * rollback guard (tasks/rollback-guard.ts) refuses to undo an operator's rollback.
 */
import type { Selection } from '../../inventory/index.js';
import type { ResolvedService } from '../../inventory/model.js';
import { findEntries, readLedger, ulid, whoAmI } from '../../ledger/index.js';
import type { DeployReport, TaskReport } from '../deploy.js';
import { executeDown, orphanReport, planDown, type DownPlan } from '../down.js';
import { readableHosts } from '../host-names.js';
import { taskKey } from '../plan.js';
import type { Reporter } from '../reporter.js';
import { rollbackGuard } from '../rollback-guard.js';
import { narrowTasks } from '../selection.js';
import type { HostSession, MutatingSettings } from './context.js';
import { runDeploy, type DeployRunReport, type RunIo } from './deploy-run.js';

const DEPLOYS = new Set(['up', 'update', 'rollback']);

export interface UpdateOptions {
  selection: Selection;
  onlyFailed?: boolean;
  force?: boolean;
  prune?: boolean;
}

export interface UpdateIo extends RunIo {
  /** Asks before pruning (SPEC §3); throws to refuse, before anything changed. */
  confirm(question: string): Promise<void>;
  /** Progress of the prune step (plain lines, after the deploy's own progress). */
  pruneReporter: Reporter;
}

export async function update(
  session: HostSession,
  settings: MutatingSettings,
  io: UpdateIo,
  opts: UpdateOptions,
): Promise<DeployRunReport> {
  const { project } = session;
  const inventory = project.inventory.name;
  let services = opts.selection.services;
  if (opts.onlyFailed) services = await onlyFailed(session, services);
  const afterDeploy = opts.prune ? await preparePrune(session, settings, io, opts) : undefined;
  return runDeploy(session, settings, io, {
    action: 'update',
    services,
    targets: [opts.selection.target],
    force: Boolean(opts.force),
    afterDeploy,
    guard: opts.force
      ? undefined
      : rollbackGuard(
          services,
          project.services,
          (ids) => findEntries(project.dir, ids, { inventory }),
          inventory,
        ),
  });
}

/** SPEC §7.3: tasks whose outcome was not ok/unchanged in this inventory's newest deploy entry. */
async function onlyFailed(
  session: HostSession,
  services: ResolvedService[],
): Promise<ResolvedService[]> {
  const { project } = session;
  const { entries } = await readLedger(project.dir, { inventory: project.inventory.name });
  const failed = new Set<string>();
  for (const s of services) {
    const newest = entries.filter((e) => e.service === s.service && DEPLOYS.has(e.action)).at(-1);
    for (const t of newest?.tasks ?? []) {
      if (t.outcome !== 'ok') failed.add(taskKey({ ...t, service: s.service }));
    }
  }
  return narrowTasks(services, (t) => failed.has(taskKey(t)));
}

/**
 * Orphans can sit on any host: read them all, ask before anything changes, and remove
 * them only once the update itself succeeded (a moved task's old home goes last).
 */
async function preparePrune(
  session: HostSession,
  settings: MutatingSettings,
  io: UpdateIo,
  opts: UpdateOptions,
): Promise<((report: DeployReport) => Promise<TaskReport[]>) | undefined> {
  const { project } = session;
  const { selection } = opts;
  const orphanPlan = await planDown(
    project,
    selection.services,
    readableHosts(project),
    selection.kind === 'all' ? 'all' : true,
    session.pool,
    { parallel: settings.parallel, timeoutMs: settings.timeoutMs },
  );
  const prune: DownPlan = { ...orphanPlan, remove: [] };
  if (prune.orphans.length === 0) return undefined;
  await io.confirm(
    `Prune ${prune.orphans.length} orphaned container(s): ${prune.orphans.map((o) => `${o.name}@${o.host}`).join(', ')}?`,
  );
  return async (report) => {
    if (report.exitCode !== 0) return keptOrphans(prune);
    const down = await executeDown(project, selection.services, prune, {
      parallel: settings.parallel,
      lockWaitMs: settings.lockWaitMs,
      reporter: io.pruneReporter,
      user: await whoAmI(project.dir),
      command: settings.command,
      run: ulid(),
      signal: session.signal,
    });
    return down.tasks;
  };
}

function keptOrphans(prune: DownPlan): TaskReport[] {
  return prune.orphans.map((o) => orphanReport(o, 'skipped', 'the update failed; orphans kept'));
}
