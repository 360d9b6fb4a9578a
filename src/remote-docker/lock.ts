import { DEPLOY_DIR, assertPathComponent } from './docker.js';

/**
 * The per-service deploy lock on a host (SPEC §7.4): `mkdir` is atomic, so whoever creates
 * `.deploy/locks/<service>` holds it; `holder.json` inside says who.
 */
export function lockDir(service: string): string {
  return `${DEPLOY_DIR}/locks/${assertPathComponent('service name', service)}`;
}

/** Exit code of `lockAcquireArgv` when another run holds the lock (EX_TEMPFAIL). */
export const LOCK_HELD_EXIT = 75;

/*
 * "$1" is the lock dir. Exit 0: taken, holder.json written from stdin. Exit 75: held (stdin
 * is drained so the writer never sees a broken pipe). Anything else: could not take it;
 * a half-made lock is removed so it cannot block the next run.
 */
export const LOCK_ACQUIRE_SCRIPT = [
  `umask 077 && mkdir -p ${DEPLOY_DIR}/locks || exit 1`,
  'if ! mkdir "$1" 2>/dev/null; then',
  `  if [ -d "$1" ]; then cat >/dev/null; exit ${LOCK_HELD_EXIT}; fi`,
  '  mkdir "$1" || exit 1',
  'fi',
  'cat > "$1/holder.json" || { rm -rf "$1"; exit 1; }',
].join('\n');

/** @example lockAcquireArgv('coding') // ['sh', '-c', LOCK_ACQUIRE_SCRIPT, 'sh', '.deploy/locks/coding'] */
export function lockAcquireArgv(service: string): string[] {
  return ['sh', '-c', LOCK_ACQUIRE_SCRIPT, 'sh', lockDir(service)];
}

/** @example lockReleaseArgv('coding') // ['rm', '-rf', '--', '.deploy/locks/coding'] */
export function lockReleaseArgv(service: string): string[] {
  return ['rm', '-rf', '--', lockDir(service)];
}

/** Exit 1 with nothing on stdout when the lock is not held (or its holder.json is missing). */
export function lockReadArgv(service: string): string[] {
  return ['cat', `${lockDir(service)}/holder.json`];
}

export interface LockHolder {
  user: string;
  machine: string;
  pid: number;
  command: string;
  /** RFC 3339 UTC. */
  start: string;
  run: string;
}

/** The stdin of `lockAcquireArgv`. */
export function holderJson(holder: LockHolder): string {
  const { user, machine, pid, command, start, run } = holder;
  return `${JSON.stringify({ user, machine, pid, command, start, run })}\n`;
}

/** Reads holder.json; undefined when it is not a holder (empty, torn or hand-written). */
export function parseHolder(text: string): LockHolder | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const s = (k: string): string | undefined =>
    typeof r[k] === 'string' ? (r[k] as string) : undefined;
  const pid = typeof r.pid === 'number' && Number.isInteger(r.pid) ? r.pid : undefined;
  const user = s('user');
  const machine = s('machine');
  const command = s('command');
  const start = s('start');
  const run = s('run');
  if (
    user === undefined ||
    machine === undefined ||
    pid === undefined ||
    command === undefined ||
    start === undefined ||
    run === undefined
  ) {
    return undefined;
  }
  return { user, machine, pid, command, start, run };
}
