import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { down, type DownRunReport } from '../../tasks/use-cases/down.js';
import { confirm } from '../confirm.js';
import type { GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { progressReporter } from '../progress.js';
import { noticesFor, settingsOf } from '../run-io.js';
import { withTargets } from '../session.js';

/** `deploy down TARGET`: no default target; `all` must be typed. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: false, host: opts.host }, async (t) => {
    const io = {
      reporter: progressReporter(globals),
      notices: noticesFor(globals),
      confirm: async (names: string[], question: string) => {
        if (!globals.json) process.stderr.write(`will remove: ${names.join(', ')}\n`);
        await confirm(globals, question);
      },
    };
    const result = await down(t.session, settingsOf(globals), io, {
      selection: t.selection,
      hostFilter: t.hostFilter,
    });
    render(globals, result);
    return result.exitCode;
  });
}

function render(globals: GlobalOptions, result: DownRunReport): void {
  const { down: report, entries } = result;
  if (report.lockError)
    process.stderr.write(`error: ${report.lockError.message}\nhint: ${report.lockError.hint}\n`);
  const hostsDown = Object.entries(result.hostErrors).map(([host, e]) => ({
    host,
    reachable: false,
    error: e.message,
  }));
  if (globals.json) {
    printJson({
      ok: result.exitCode === 0,
      entry: entries[0]?.id ?? null,
      entries: entries.map((e) => e.id),
      tasks: report.tasks,
      volumes_kept: report.volumesKept,
      hosts: hostsDown,
      ...(result.ledgerError ? { error: result.ledgerError.message } : {}),
    });
  } else {
    renderText(report, hostsDown);
  }
  // After the report: the containers are gone, so what was done is shown first.
  if (result.ledgerError) {
    const { message, hint } = result.ledgerError;
    process.stderr.write(`error: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
  }
}

function renderText(
  report: DownRunReport['down'],
  hostsDown: { host: string; error: string }[],
): void {
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
