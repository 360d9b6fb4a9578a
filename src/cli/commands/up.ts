import { selectTargets } from '../../inventory/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { withDependencies } from '../../tasks/selection.js';
import type { GlobalOptions } from '../context.js';
import { runDeployCommand } from '../deploy-run.js';
import { withSession } from '../session.js';

/** `deploy up [TARGET]`: create and start missing tasks, dependencies first. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: true }, async (session) => {
    const hosts = (opts.host as string[] | undefined) ?? [];
    const selection = selectTargets(session.project, args[0], hosts);
    const hostSet = new Set(selection.hosts);
    const services = withDependencies(
      session.project,
      selection.services,
      hosts.length ? (t) => hostSet.has(t.host) : undefined,
    );
    return runDeployCommand(globals, {
      action: 'up',
      session,
      services,
      targets: [selection.target],
    });
  });
}
