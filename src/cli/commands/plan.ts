import { selectTargets } from '../../inventory/index.js';
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { HostDocker } from '../../tasks/host-docker.js';
import { hostsToRead } from '../../tasks/host-names.js';
import { observeHosts } from '../../tasks/observe.js';
import { knownTaskKeys, planTasks } from '../../tasks/plan.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, printJson, table } from '../output.js';
import { withSession } from '../session.js';

/** `deploy plan [TARGET]`: what `update` would do, per task, with reasons. Changes nothing. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: true }, async (session) => {
    const project = session.project;
    const inv = project.inventory;
    const hostFilter = (opts.host as string[] | undefined) ?? [];
    const selection = selectTargets(project, args[0], hostFilter);
    const wholeServices = selection.kind === 'all' || selection.kind === 'service';
    const hostNames = hostsToRead(project, selection, hostFilter);
    const hosts = hostNames.map(
      (h) => new HostDocker(inv.hosts[h]!, session.pool.get(h), globals.timeoutMs),
    );
    const observation = await observeHosts(hosts, globals.parallel);
    const knownTasks = knownTaskKeys(project.services);
    const plan = planTasks({
      mode: 'update',
      inventory: inv.name,
      desired: selection.tasks.filter((t) => observation.observed[t.host]),
      observed: observation.observed,
      knownTasks,
    });
    const selected = new Set(selection.services.map((s) => s.service));
    const rows = [
      ...plan.tasks.map((p) => ({
        service: p.service,
        job: p.job,
        task: p.task,
        host: p.host,
        container: p.container,
        action: p.action,
        reasons: p.reasons,
      })),
      ...(wholeServices
        ? plan.orphans
            .filter((o) => selected.has(o.service))
            .map((o) => ({
              service: o.service,
              job: o.job,
              task: o.task,
              host: o.host,
              container: o.name,
              action: 'remove' as const,
              reasons: ['orphan: no longer in the files (removed by update --prune)'],
            }))
        : []),
    ];
    const hostsOut = hostNames.map((h) => ({
      host: h,
      address: inv.hosts[h]!.address,
      reachable: Boolean(observation.observed[h]),
      error: observation.failed[h]?.message ?? null,
    }));
    if (globals.json) {
      printJson({ tasks: rows, hosts: hostsOut });
    } else {
      const c = makeChalk(globals, process.stdout);
      const colour = (a: string) =>
        a === 'unchanged' ? c.dim(a) : a === 'remove' ? c.red(a) : c.yellow(a);
      process.stdout.write(
        table(
          rows.map((r) => [
            `${r.service}/${r.job}/${r.task}`,
            r.host,
            colour(r.action),
            escapeControl(r.reasons.join('; ')),
          ]),
          ['TASK', 'HOST', 'ACTION', 'REASONS'],
        ) + '\n',
      );
      for (const h of hostsOut.filter((x) => !x.reachable))
        process.stdout.write(
          c.red(`${h.host}: unreachable: ${escapeControl(h.error ?? '')}`) + '\n',
        );
      const changes = rows.filter((r) => r.action !== 'unchanged').length;
      process.stdout.write(changes ? `${changes} change(s)\n` : 'no changes\n');
    }
    return worstExit(Object.values(observation.failed).map((e) => e.exitCode));
  });
}
