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

/*
 * Gives back this run's locks. `$1` is our run id, then lock dirs up to `--`, then paths
 * removed whatever they hold (the run's tmp dir). A lock dir is removed only when its
 * holder.json names our run: if the lock was taken from us (`deploy unlock`) and another
 * run holds it now, it stays theirs. The compare and the `rm` run back to back in one
 * remote shell; a lock that is not ours is named on stdout (`kept DIR RUN`, RUN `-` when
 * holder.json is missing or names no run) and does not change the exit code.
 */
export const LOCK_RELEASE_SCRIPT = [
  'set -f',
  'run=$1; shift',
  'rc=0',
  'while [ "$#" -gt 0 ]; do',
  '  d=$1; shift',
  '  [ "$d" = -- ] && break',
  '  [ -d "$d" ] || continue',
  '  h=$(cat "$d/holder.json" 2>/dev/null) || h=',
  '  case $h in',
  String.raw`    *"\"run\":\"$run\""*|*"\"run\": \"$run\""*) rm -rf -- "$d" || rc=1 ;;`,
  String.raw`    *) who=$(printf '%s' "$h" | sed -n 's/.*"run": *"\([^"]*\)".*/\1/p')`,
  '       printf \'kept %s %s\\n\' "$d" "${who:--}" ;;',
  '  esac',
  'done',
  'if [ "$#" -gt 0 ]; then rm -rf -- "$@" || rc=1; fi',
  'exit "$rc"',
].join('\n');

/**
 * Releases `services`' locks if `run` holds them, then removes `alsoRemove` paths.
 * @example lockReleaseArgv('01JRUN', ['coding'], ['.deploy/tmp/01JRUN'])
 * // ['sh', '-c', LOCK_RELEASE_SCRIPT, 'sh', '01JRUN', '.deploy/locks/coding', '--', '.deploy/tmp/01JRUN']
 */
export function lockReleaseArgv(
  run: string,
  services: readonly string[],
  alsoRemove: readonly string[] = [],
): string[] {
  return [
    'sh',
    '-c',
    LOCK_RELEASE_SCRIPT,
    'sh',
    assertPathComponent('run id', run),
    ...services.map(lockDir),
    '--',
    ...alsoRemove,
  ];
}

/** The locks a release left in place because another run holds them now. */
export function parseKept(stdout: string): { dir: string; run: string | undefined }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('kept '))
    .map((l) => {
      const [, dir = '', run = '-'] = l.split(' ');
      return { dir, run: run === '-' ? undefined : run };
    });
}

/**
 * `deploy unlock`: removes a lock whoever holds it (the operator's call, SPEC §7.4).
 * @example lockForceRemoveArgv('coding') // ['rm', '-rf', '--', '.deploy/locks/coding']
 */
export function lockForceRemoveArgv(service: string): string[] {
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
