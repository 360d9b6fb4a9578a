import type { ExitCode } from '../../shared/errors.js';
import { formatDuration } from '../../shared/duration.js';
import { escapeControl } from '../../shared/quote.js';
import { status } from '../../tasks/use-cases/status.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, outcomeColour, printJson, table } from '../output.js';
import { withTargets } from '../session.js';

/** `deploy status [TARGET]`: exit 0 whatever it finds, as long as every host answered. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const html = typeof opts.html === 'string' ? opts.html : undefined;
  return withTargets(
    globals,
    args[0],
    { requireSecrets: false, host: opts.host },
    async (targeted) => {
      const { project } = targeted;
      const { report, exitCode } = await status(targeted.session, globals, {
        selection: targeted.selection,
        hostFilter: targeted.hostFilter,
        // One `docker ps` per host, like the fan-out it is measured against; the HTML report
        // mirrors the dashboard, restart counts and exact uptimes included.
        read: html !== undefined ? 'full' : 'light',
      });
      if (html !== undefined) {
        const { writeStatusHtml } = await import('../../ui/report.js');
        await writeStatusHtml(html, project, report);
      }
      if (globals.json) {
        printJson(report);
      } else {
        const c = makeChalk(globals, process.stdout);
        const rows = report.tasks.map((t) => [
          `${t.service}/${t.job}/${t.task}`,
          t.host,
          outcomeColour(c, t.state)(t.state),
          t.health === 'none' ? '-' : outcomeColour(c, t.health)(t.health),
          escapeControl(t.image ?? '-'),
          t.uptime_ms === null ? '-' : formatDuration(t.uptime_ms),
          t.orphan
            ? c.yellow('orphan')
            : t.drift_fields.length
              ? c.yellow(`${t.drift ? 'drift: ' : ''}${escapeControl(t.drift_fields.join(', '))}`)
              : '',
        ]);
        process.stdout.write(
          table(rows, ['TASK', 'HOST', 'STATE', 'HEALTH', 'IMAGE', 'UPTIME', 'NOTE']) + '\n',
        );
        for (const h of report.hosts.filter((x) => !x.reachable)) {
          process.stdout.write(
            c.red(`${h.host} (${h.address}): unreachable: ${escapeControl(h.error ?? '')}`) + '\n',
          );
        }
      }
      return exitCode;
    },
  );
}
