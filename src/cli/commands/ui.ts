import { randomBytes } from 'node:crypto';
import { UsageError, type ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import {
  DashboardData,
  HostConnections,
  isLoopback,
  parseListen,
  startDashboard,
} from '../../ui/index.js';
import type { GlobalOptions } from '../context.js';
import { openSession } from '../session.js';

/** A page waits at most this long for one host, whatever `--timeout` says for deploys. */
const PAGE_TIMEOUT_MS = 20_000;
const CACHE_TTL_MS = 3_000;

/** `deploy ui [--listen ADDR] [--public]`: serves until SIGINT/SIGTERM, then exits 0. */
export async function run(
  globals: GlobalOptions,
  _args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const listen = parseListen(String(opts.listen ?? '127.0.0.1:7070'));
  const isPublic = Boolean(opts.public);
  if (!isLoopback(listen.host) && !isPublic) {
    throw new UsageError(
      `--listen ${listen.host} is not a loopback address: the dashboard would be reachable from the network`,
      'add --public to serve it with an access token (logs and inspect are then not served)',
    );
  }
  const session = await openSession(globals, { requireSecrets: false });
  const connections = new HostConnections(session.project.inventory, {
    timeoutMs: Math.min(globals.timeoutMs, PAGE_TIMEOUT_MS),
    onCommand: globals.verbose
      ? (host, display) => process.stderr.write(`[${host}] $ ${escapeControl(display)}\n`)
      : undefined,
  });
  try {
    const data = new DashboardData(session.project, connections, {
      parallel: globals.parallel,
      timeoutMs: Math.min(globals.timeoutMs, PAGE_TIMEOUT_MS),
      cacheTtlMs: CACHE_TTL_MS,
    });
    const token = isPublic ? randomBytes(24).toString('base64url') : undefined;
    const dashboard = await startDashboard(data, { listen, ...(token ? { token } : {}) }).catch(
      (err: NodeJS.ErrnoException) => {
        throw new UsageError(
          `cannot listen on ${listen.host}:${listen.port}: ${err.code ?? err.message}`,
          'pick another address with --listen ADDR:PORT',
        );
      },
    );
    // The address alone: the token never rides in a URL on stdout (logs, shared links, history).
    const url = dashboard.url;
    if (isPublic) {
      process.stderr.write(
        `warning: serving on ${dashboard.listen.host}:${dashboard.listen.port} with --public: anyone who can reach it and holds the token sees the status, history and host figures of inventory ${session.project.inventory.name}; logs and inspect are not served\n`,
      );
    }
    if (globals.json) {
      process.stdout.write(
        JSON.stringify({
          url,
          listen: `${dashboard.listen.host}:${dashboard.listen.port}`,
          public: isPublic,
          ...(token ? { token } : {}),
        }) + '\n',
      );
    } else {
      process.stdout.write(`deploy ui: inventory ${session.project.inventory.name} at ${url}\n`);
      if (token)
        process.stdout.write(
          `access token: ${token}\n(send it as 'Authorization: Bearer TOKEN', or open the address once with ?token=TOKEN: it then moves into a cookie)\n`,
        );
      process.stdout.write('press Ctrl-C to stop\n');
    }
    await new Promise<void>((resolve) => {
      if (session.signal.aborted) resolve();
      else session.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await dashboard.close();
    return 0;
  } finally {
    await connections.closeAll();
    await session.close();
  }
}
