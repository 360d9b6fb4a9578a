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
 * The arguments are lock dirs, taken in order. Exit 0: all taken, each holding holder.json
 * from stdin. Exit 75: one is held: those this script took are removed again, and stdout
 * is the held dir on a line, then its holder.json (one round trip tells who). Anything
 * else: could not take them (mkdir's error on stderr), and nothing is left behind.
 * Lock dirs are checked path components, so the `$taken` list splits safely.
 */
export const LOCK_ACQUIRE_SCRIPT = [
  'set -f',
  `umask 077 && mkdir -p ${DEPLOY_DIR}/locks || exit 1`,
  'h=$(cat) || exit 1',
  "taken=''",
  'for d in "$@"; do',
  '  if e=$(mkdir "$d" 2>&1); then',
  '    taken="$taken $d"',
  `    printf '%s\n' "$h" > "$d/holder.json" || { rm -rf $taken; exit 1; }`,
  '  elif [ -d "$d" ]; then',
  `    rm -rf $taken; printf '%s\n' "$d"; cat "$d/holder.json" 2>/dev/null; exit ${LOCK_HELD_EXIT}`,
  '  else',
  `    printf '%s\n' "$e" >&2; rm -rf $taken; exit 1`,
  '  fi',
  'done',
].join('\n');

/**
 * @example lockAcquireArgv('coding') // ['sh', '-c', LOCK_ACQUIRE_SCRIPT, 'sh', '.deploy/locks/coding']
 * @example lockAcquireArgv('db', 'web') // […, 'sh', '.deploy/locks/db', '.deploy/locks/web']
 */
export function lockAcquireArgv(...services: string[]): string[] {
  return ['sh', '-c', LOCK_ACQUIRE_SCRIPT, 'sh', ...services.map(lockDir)];
}

/** Which lock a held exit (75) of `lockAcquireArgv` names, and its holder when readable. */
export function parseHeld(stdout: string): { dir: string; holder: LockHolder | undefined } {
  const newline = stdout.indexOf('\n');
  const dir = newline === -1 ? stdout.trim() : stdout.slice(0, newline);
  return { dir, holder: newline === -1 ? undefined : parseHolder(stdout.slice(newline + 1)) };
}

/** @example lockReleaseArgv('coding') // ['rm', '-rf', '--', '.deploy/locks/coding'] */
export function lockReleaseArgv(...services: string[]): string[] {
  return ['rm', '-rf', '--', ...services.map(lockDir)];
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
