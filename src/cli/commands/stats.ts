/**
 * `deploy stats [HOST…]`: every inventory host without arguments, else the named hosts
 * and groups. Exit 0 whatever the numbers say, 3 when a host could not be read.
 * --json: `{"hosts":[…SPEC shape, plus address…],"unreachable":[{"host","address","error"}]}`.
 */
import type { ChalkInstance } from 'chalk';
import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import type { HostStatsReport } from '../../tasks/stats.js';
import { stats } from '../../tasks/use-cases/stats.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, printJson, table } from '../output.js';
import { withSession } from '../session.js';

export async function run(globals: GlobalOptions, args: string[]): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: false }, async (session) => {
    // Without HOST: every host but those used only as a jump (never read, §4).
    const { report, exitCode } = await stats(session, globals, { hosts: args });
    if (globals.json) {
      printJson({
        hosts: report.hosts.map((h) => ({ ...h, reachable: true })),
        unreachable: report.failed.map((f) => ({
          host: f.host,
          address: f.address,
          reachable: false,
          error: f.error.message,
        })),
      });
    } else {
      const c = makeChalk(globals, process.stdout);
      const blocks = report.hosts.map((h) => renderHost(c, h));
      for (const f of report.failed)
        blocks.push(
          c.red(`${f.host} (${f.address}): unreachable: ${escapeControl(f.error.message)}`),
        );
      process.stdout.write(blocks.join('\n\n') + '\n');
    }
    return exitCode;
  });
}

const BAR_WIDTH = 20;

export function bar(c: ChalkInstance, used: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const colour = ratio >= 0.9 ? c.red : ratio >= 0.75 ? c.yellow : c.green;
  const pct = `${Math.round(ratio * 100)}%`.padStart(4);
  return `[${colour('#'.repeat(filled))}${'-'.repeat(BAR_WIDTH - filled)}] ${pct}`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

function renderHost(c: ChalkInstance, h: HostStatsReport): string {
  const head = `${c.bold(h.host)} (${escapeControl(h.address)})  ${h.cpus} cpus  load ${h.load1.toFixed(2)} ${h.load5.toFixed(2)} ${h.load15.toFixed(2)}`;
  const rows: string[][] = [
    ['memory', bar(c, h.mem_used, h.mem_total), `${bytes(h.mem_used)} / ${bytes(h.mem_total)}`],
  ];
  for (const d of h.disks)
    rows.push([
      `disk ${escapeControl(d.mount)}`,
      bar(c, d.used, d.size),
      `${bytes(d.used)} / ${bytes(d.size)}`,
    ]);
  const d = h.docker;
  const docker = d
    ? `  docker  ${escapeControl(d.server_version ?? '?')}, ${d.containers ?? '?'} containers (${d.running ?? '?'} running), ${d.images ?? '?'} images`
    : c.yellow('  docker info unavailable');
  const lines = [head, table(rows.map((r) => ['  ' + r[0]!, r[1]!, r[2]!])), docker];
  if (h.containers.length > 0) {
    const cs = [...h.containers].sort((a, b) => a.name.localeCompare(b.name));
    lines.push(
      table(
        cs.map((x) => [
          '  ' + escapeControl(x.name),
          `${x.cpu_percent.toFixed(2)}%`,
          bytes(x.mem_used),
        ]),
        ['  CONTAINER', 'CPU', 'MEM'],
      ),
    );
  }
  return lines.join('\n');
}
