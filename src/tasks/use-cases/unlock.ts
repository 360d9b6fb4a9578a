/**
 * `deploy unlock SERVICE [--host H]` (SPEC §7.4): reads each holder of the service's lock;
 * removes at once the locks whose holder ran on this machine and is gone, the others only
 * once `confirm` agrees. Asking comes first, so a refusal changes nothing at all.
 */
import { type ExitCode, UsageError, worstExit } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { fanOut } from '../fanout.js';
import { HostDocker } from '../host-docker.js';
import { resolveHostNames } from '../host-names.js';
import { asDeployError } from '../observe.js';
import {
  describeHolder,
  readLocks,
  removeLock,
  type LockFailure,
  type LockState,
} from '../unlock.js';
import type { HostSession, RunNotices, RunSettings } from './context.js';

export type UnlockAction = 'removed' | 'kept' | 'failed' | 'none';

export interface UnlockIo {
  notices: RunNotices;
  /** Asked before removing a lock whose holder may still run; throws UsageError to refuse. */
  confirm(question: string): Promise<void>;
}

export interface UnlockReport {
  service: string;
  locks: LockState[];
  /** host → what was done to its lock. */
  actions: Map<string, UnlockAction>;
  /** host → why its lock could not be removed. */
  errors: Map<string, string>;
  failed: LockFailure[];
  /** Set when the confirmation was refused: every held lock was kept. */
  refused?: UsageError;
  exitCode: ExitCode;
}

export async function unlock(
  session: HostSession,
  settings: RunSettings,
  io: UnlockIo,
  opts: { service: string; hostFilter: string[] },
): Promise<UnlockReport> {
  const { project, pool } = session;
  const { service } = opts;
  const say = (line: string): void => io.notices.info(line);
  if (!project.services.some((s) => s.service === service))
    io.notices.warning(`${service} is not a service of this config; looking for its lock anyway`);
  const names = resolveHostNames(project.inventory, opts.hostFilter);
  const hosts = new Map(
    names.map((n) => [
      n,
      new HostDocker(project.inventory.hosts[n]!, pool.get(n), settings.timeoutMs),
    ]),
  );
  const { locks, failed } = await readLocks([...hosts.values()], service, settings.parallel);
  for (const f of failed) say(`${f.host}: ${escapeControl(f.error.message)}`);
  const report: UnlockReport = {
    service,
    locks,
    actions: new Map(locks.map((l) => [l.host, 'none'])),
    errors: new Map(),
    failed,
    exitCode: 0,
  };
  const held = locks.filter((l) => l.held);
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
        await io.confirm(
          `remove the lock of ${service} on ${unsure.map((l) => l.host).join(', ')}? Its holder may still be running`,
        );
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        held.forEach((l) => report.actions.set(l.host, 'kept'));
        return { ...report, refused: err, exitCode: 2 };
      }
    }
    await removeHeld(report, held, hosts, settings.parallel, say);
  }
  report.exitCode = worstExit([
    ...failed.map((f) => f.error.exitCode),
    ...[...report.actions.values()].filter((a) => a === 'failed').map(() => 1 as const),
  ]);
  return report;
}

async function removeHeld(
  report: UnlockReport,
  held: LockState[],
  hosts: Map<string, HostDocker>,
  parallel: number,
  say: (line: string) => void,
): Promise<void> {
  const { service } = report;
  const results = await fanOut(held, parallel, (l) => removeLock(hosts.get(l.host)!, service));
  results.forEach((r, i) => {
    const l = held[i]!;
    if (r.ok) {
      report.actions.set(l.host, 'removed');
      say(`${l.host}: removed the lock of ${service}`);
    } else {
      const e = asDeployError(l.host, r.error);
      report.actions.set(l.host, 'failed');
      report.errors.set(l.host, e.message);
      say(`${l.host}: could not remove the lock: ${escapeControl(e.message)}`);
    }
  });
}
