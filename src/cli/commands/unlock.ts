/**
 * `deploy unlock SERVICE [--host H]`: shows each holder of the service's lock; removes at
 * once the locks whose holder ran on this machine and is gone; the others only after a
 * prompt or with --yes. Asking comes first, so a refusal (exit 2) changes nothing at all.
 * --json: `{"ok","service","locks":[{"host","held","holder","stale","action"}],"hosts":[{"host","reachable","error"}]}`.
 */
import { type ExitCode, UsageError, worstExit } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { resolveHostNames } from '../../tasks/host-names.js';
import { HostDocker } from '../../tasks/host-docker.js';
import { describeHolder, readLocks, removeLock, type LockState } from '../../tasks/unlock.js';
import { fanOut } from '../../tasks/fanout.js';
import { asDeployError } from '../../tasks/observe.js';
import type { GlobalOptions } from '../context.js';
import { confirm } from '../confirm.js';
import { printJson } from '../output.js';
import { openSession } from '../session.js';

const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

type Action = 'removed' | 'kept' | 'failed' | 'none';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const service = args[0] ?? '';
  if (!SERVICE_NAME.test(service))
    throw new UsageError(`invalid service name: ${JSON.stringify(service)}`);
  const session = await openSession(globals, { requireSecrets: false });
  try {
    const { project, pool } = session;
    const say = (line: string): void => {
      if (!globals.json) process.stderr.write(`${line}\n`);
    };
    if (!project.services.some((s) => s.service === service)) {
      say(`warning: ${service} is not a service of this config; looking for its lock anyway`);
    }
    const names = resolveHostNames(project.inventory, (opts.host as string[] | undefined) ?? []);
    const hosts = new Map(
      names.map((n) => [
        n,
        new HostDocker(project.inventory.hosts[n]!, pool.get(n), globals.timeoutMs),
      ]),
    );
    const { locks, failed } = await readLocks([...hosts.values()], service, globals.parallel);
    for (const f of failed) say(`${f.host}: ${escapeControl(f.error.message)}`);

    const held = locks.filter((l) => l.held);
    const actions = new Map<string, Action>(locks.map((l) => [l.host, 'none']));
    const errors = new Map<string, string>();
    if (held.length === 0) {
      say(`no lock of ${service} is held${failed.length ? ' on the hosts that answered' : ''}`);
    } else {
      for (const l of held)
        say(
          `${l.host}: ${service} locked: ${escapeControl(describeHolder(l))}${l.stale ? ' — holder is gone' : ''}`,
        );
      const unsure = held.filter((l) => !l.stale);
      if (unsure.length > 0) {
        try {
          await confirm(
            globals,
            `remove the lock of ${service} on ${unsure.map((l) => l.host).join(', ')}? Its holder may still be running`,
          );
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          // Answered here, not by the CLI entry, so --json still prints exactly one document.
          held.forEach((l) => actions.set(l.host, 'kept'));
          if (globals.json)
            printJson({
              ...document(service, locks, actions, errors, failed, false),
              error: err.message,
            });
          process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
          return 2;
        }
      }
      const results = await fanOut(held, globals.parallel, (l) =>
        removeLock(hosts.get(l.host)!, service),
      );
      results.forEach((r, i) => {
        const l = held[i]!;
        if (r.ok) {
          actions.set(l.host, 'removed');
          say(`${l.host}: removed the lock of ${service}`);
        } else {
          const e = asDeployError(l.host, r.error);
          actions.set(l.host, 'failed');
          errors.set(l.host, e.message);
          say(`${l.host}: could not remove the lock: ${escapeControl(e.message)}`);
        }
      });
    }
    const codes: ExitCode[] = [
      ...failed.map((f) => f.error.exitCode),
      ...[...actions.values()].filter((a) => a === 'failed').map(() => 1 as const),
    ];
    const code = worstExit(codes);
    if (globals.json) printJson(document(service, locks, actions, errors, failed, code === 0));
    return code;
  } finally {
    await session.close();
  }
}

function document(
  service: string,
  locks: LockState[],
  actions: Map<string, Action>,
  errors: Map<string, string>,
  failed: { host: string; error: Error }[],
  ok: boolean,
): Record<string, unknown> {
  return {
    ok,
    service,
    locks: locks.map((l) => ({
      host: l.host,
      held: l.held,
      holder: l.holder ?? null,
      stale: l.stale,
      action: actions.get(l.host) ?? 'none',
      ...(errors.has(l.host) ? { error: errors.get(l.host) } : {}),
    })),
    hosts: [
      ...locks.map((l) => ({ host: l.host, reachable: true, error: null })),
      ...failed.map((f) => ({ host: f.host, reachable: false, error: f.error.message })),
    ],
  };
}
