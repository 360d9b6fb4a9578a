/** `deploy up [TARGET]`: create and start missing tasks, dependencies first (SPEC §7.2). */
import type { Selection } from '../../inventory/index.js';
import { withDependencies } from '../selection.js';
import type { HostSession, MutatingSettings } from './context.js';
import { runDeploy, type DeployRunReport, type RunIo } from './deploy-run.js';

export interface UpOptions {
  selection: Selection;
  /** The `--host` values as given: a dependency brought in is kept to those hosts too. */
  hostFilter: string[];
}

export function up(
  session: HostSession,
  settings: MutatingSettings,
  io: RunIo,
  opts: UpOptions,
): Promise<DeployRunReport> {
  const hostSet = new Set(opts.selection.hosts);
  const services = withDependencies(
    session.project,
    opts.selection.services,
    opts.hostFilter.length ? (t) => hostSet.has(t.host) : undefined,
  );
  return runDeploy(session, settings, io, {
    action: 'up',
    services,
    targets: [opts.selection.target],
  });
}
