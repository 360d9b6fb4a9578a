import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { plan, type PlanReport } from '../../tasks/use-cases/plan.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, printJson, table } from '../output.js';
import { withTargets } from '../session.js';

/** `deploy plan [TARGET]`: what `update` would do, per task, with reasons. Changes nothing. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: true, host: opts.host }, async (t) => {
    const report = await plan(t.session, globals, {
      selection: t.selection,
      hostFilter: t.hostFilter,
    });
    render(globals, report);
    return report.exitCode;
  });
}

function render(globals: GlobalOptions, report: PlanReport): void {
  const { tasks: rows, hosts } = report;
  if (globals.json) {
    printJson({ tasks: rows, hosts });
    return;
  }
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
  for (const h of hosts.filter((x) => !x.reachable))
    process.stdout.write(c.red(`${h.host}: unreachable: ${escapeControl(h.error ?? '')}`) + '\n');
  const changes = rows.filter((r) => r.action !== 'unchanged').length;
  process.stdout.write(changes ? `${changes} change(s)\n` : 'no changes\n');
}
