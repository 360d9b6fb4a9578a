import { selectTargets } from '../../inventory/index.js';
import { readLedger } from '../../ledger/index.js';
import type { ExitCode } from '../../shared/errors.js';
import { HostDocker } from '../../tasks/host-docker.js';
import { observeHosts } from '../../tasks/observe.js';
import { planRollback } from '../../tasks/rollback.js';
import type { GlobalOptions } from '../context.js';
import { runDeployCommand } from '../deploy-run.js';
import { withSession } from '../session.js';

/** `deploy rollback TARGET [--to ID]`: redeploys an earlier entry's spec through a rolling update. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: true }, async (session) => {
    const project = session.project;
    const selection = selectTargets(project, args[0], (opts.host as string[] | undefined) ?? []);
    const { entries } = await readLedger(project.dir, { inventory: project.inventory.name });
    const hosts = selection.hosts.map(
      (h) => new HostDocker(project.inventory.hosts[h]!, session.pool.get(h), globals.timeoutMs),
    );
    const observation = await observeHosts(hosts, globals.parallel);
    const plan = planRollback(
      project,
      selection.services,
      entries,
      observation.observed,
      opts.to as string | undefined,
    );
    if (!globals.json) {
      for (const c of plan.choices) {
        process.stderr.write(
          `${c.service}/${c.job}: rolling back to ${c.target.id} (${c.target.action} of ${c.target.time}${c.running ? `; running ${c.running}` : ''})\n`,
        );
      }
    }
    return runDeployCommand(globals, {
      action: 'rollback',
      session,
      services: plan.services,
      targets: [selection.target],
      sources: plan.sources,
      specs: plan.specs,
      from: plan.from,
    });
  });
}
