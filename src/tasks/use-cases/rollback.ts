/**
 * `deploy rollback TARGET [--to ID]` (SPEC §7.5): read the running versions, choose per
 * job the entry to restore (tasks/rollback.ts), and redeploy its spec as a rolling update.
 */
import type { Selection } from '../../inventory/index.js';
import { readLedger } from '../../ledger/index.js';
import { HostDocker } from '../host-docker.js';
import { observeHosts } from '../observe.js';
import { planRollback, type RollbackChoice } from '../rollback.js';
import type { HostSession, MutatingSettings } from './context.js';
import { runDeploy, type DeployRunReport, type RunIo } from './deploy-run.js';

export interface RollbackOptions {
  selection: Selection;
  /** `--to ID`: the entry to restore instead of each job's default. */
  to?: string;
}

export interface RollbackIo extends RunIo {
  /** Told which entry each job goes back to, before anything changes. */
  chosen?(choices: RollbackChoice[]): void;
}

export async function rollback(
  session: HostSession,
  settings: MutatingSettings,
  io: RollbackIo,
  opts: RollbackOptions,
): Promise<DeployRunReport> {
  const { project, pool } = session;
  const { selection } = opts;
  const { entries } = await readLedger(project.dir, { inventory: project.inventory.name });
  const hosts = selection.hosts.map(
    (h) => new HostDocker(project.inventory.hosts[h]!, pool.get(h), settings.timeoutMs),
  );
  const observation = await observeHosts(hosts, settings.parallel);
  const plan = planRollback(project, selection.services, entries, observation.observed, opts.to);
  io.chosen?.(plan.choices);
  return runDeploy(session, settings, io, {
    action: 'rollback',
    services: plan.services,
    targets: [selection.target],
    sources: plan.sources,
    specs: plan.specs,
    from: plan.from,
  });
}
