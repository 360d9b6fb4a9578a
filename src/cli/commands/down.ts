import { selectTargets } from '../../inventory/index.js';
import { ulid, whoAmI } from '../../ledger/index.js';
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { executeDown, planDown } from '../../tasks/down.js';
import { hostsToRead } from '../../tasks/host-names.js';
import { recordRun } from '../../tasks/record.js';
import { confirm } from '../confirm.js';
import type { GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { progressReporter } from '../progress.js';
import { announceEntries, runPreHook } from '../../tasks/use-cases/run-events.js';
import { noticesFor } from '../run-io.js';
import { withSession } from '../session.js';

/** `deploy down TARGET`: no default target; `all` must be typed. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: false }, async (session) => {
    const project = session.project;
    const hostFilter = (opts.host as string[] | undefined) ?? [];
    const selection = selectTargets(project, args[0], hostFilter);
    const wholeServices = selection.kind === 'all' || selection.kind === 'service';
    const hosts = hostsToRead(project, selection, hostFilter);
    const startedAt = Date.now();
    const plan = await planDown(
      project,
      selection.services,
      hosts,
      selection.kind === 'all' ? 'all' : wholeServices,
      session.pool,
      {
        parallel: globals.parallel,
        timeoutMs: globals.timeoutMs,
      },
    );
    const count = plan.remove.length + plan.orphans.length;
    if (count > 0) {
      const names = [
        ...plan.remove.map((p) => `${p.container}@${p.host}`),
        ...plan.orphans.map((o) => `${o.name}@${o.host}`),
      ];
      if (!globals.json) process.stderr.write(`will remove: ${names.join(', ')}\n`);
      await confirm(globals, `Remove ${count} container(s) of ${selection.target}?`);
    }
    const run = ulid(startedAt);
    const user = await whoAmI(project.dir);
    const services = selection.services.map((s) => s.service).join(',');
    await runPreHook(
      project,
      { timeoutMs: globals.timeoutMs, notices: noticesFor(globals) },
      {
        event: 'down',
        service: services,
        run,
        user,
        inventory: project.inventory.name,
        targets: [selection.target],
      },
      'nothing was removed',
    );
    const reporter = progressReporter(globals);
    const report = await executeDown(project, selection.services, plan, {
      parallel: globals.parallel,
      lockWaitMs: globals.lockWaitMs,
      reporter,
      user,
      command: ['deploy', ...process.argv.slice(2)].join(' '),
      run,
      signal: session.signal,
    });
    reporter.close();
    const versions = Object.fromEntries(report.touched.map((s) => [s, ulid()]));
    const entries = await recordRun(project, report.touched, report.tasks, {
      action: 'down',
      run,
      versions,
      startedAt,
      user,
      targets: [selection.target],
      interrupted: session.signal.aborted,
    });
    await announceEntries(
      project,
      { timeoutMs: globals.timeoutMs, notices: noticesFor(globals) },
      entries,
    );
    if (report.lockError)
      process.stderr.write(`error: ${report.lockError.message}\nhint: ${report.lockError.hint}\n`);
    const hostsDown = Object.entries(plan.hostErrors).map(([host, e]) => ({
      host,
      reachable: false,
      error: e.message,
    }));
    if (globals.json) {
      printJson({
        ok: report.exitCode === 0 && hostsDown.length === 0,
        entry: entries[0]?.id ?? null,
        entries: entries.map((e) => e.id),
        tasks: report.tasks,
        volumes_kept: report.volumesKept,
        hosts: hostsDown,
      });
    } else {
      if (report.tasks.length) {
        process.stdout.write(
          table(
            report.tasks.map((t) => [
              `${t.service}/${t.job}/${t.task}`,
              t.host,
              t.action,
              t.outcome,
              escapeControl(t.error ?? ''),
            ]),
            ['TASK', 'HOST', 'ACTION', 'OUTCOME', 'DETAIL'],
          ) + '\n',
        );
      } else process.stdout.write('nothing to remove\n');
      for (const h of hostsDown) process.stdout.write(`${h.host}: ${escapeControl(h.error)}\n`);
      if (report.volumesKept.length)
        process.stdout.write(`volumes kept: ${report.volumesKept.join(', ')}\n`);
    }
    return worstExit([report.exitCode, ...Object.values(plan.hostErrors).map((e) => e.exitCode)]);
  });
}
