import { selectTargets } from '../../inventory/index.js';
import { findEntries } from '../../ledger/index.js';
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { formatDuration } from '../../shared/duration.js';
import { escapeControl } from '../../shared/quote.js';
import { readStatus } from '../../tasks/status.js';
import { hostsToRead } from '../../tasks/host-names.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, outcomeColour, printJson, table } from '../output.js';
import { withSession } from '../session.js';

/** `deploy status [TARGET]`: exit 0 whatever it finds, as long as every host answered. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: false }, async (session) => {
    const project = session.project;
    const hostFilter = (opts.host as string[] | undefined) ?? [];
    const selection = selectTargets(project, args[0], hostFilter);
    // Orphans can only be found by reading every host of the inventory.
    const hosts = hostsToRead(project, selection, hostFilter);
    const report = await readStatus(project, selection.services, hosts, session.pool, {
      parallel: globals.parallel,
      timeoutMs: globals.timeoutMs,
      ledger: (ids) => findEntries(project.dir, ids, { inventory: project.inventory.name }),
      // One `docker ps` per host, like the fan-out it is measured against; the HTML report
      // mirrors the dashboard, restart counts and exact uptimes included.
      read: typeof opts.html === 'string' ? 'full' : 'light',
    });
    if (typeof opts.html === 'string') {
      const { writeStatusHtml } = await import('../../ui/report.js');
      await writeStatusHtml(opts.html, project, report);
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
    return worstExit(report.hosts.filter((h) => !h.reachable).map(() => 3 as const));
  });
}
