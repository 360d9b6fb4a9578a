import type { HostSpec } from '../inventory/model.js';
import { dockerArgv } from './docker.js';

/** Seconds between heartbeats of FOLLOW_SCRIPT: how long a follow can outlive its channel. */
export const FOLLOW_HEARTBEAT_S = 2;

/*
 * Runs a never-ending command ("$@", e.g. `docker logs --follow`) so that it ends with the
 * SSH channel. Closing a channel without a pty signals nothing on the target: a quiet
 * container's `docker logs -f` would live on until its next line. So the shell writes an
 * empty line to stderr every few seconds; once the channel is gone that write fails
 * (EPIPE), and the command is killed. Readers drop empty untimestamped stderr lines.
 */
export const FOLLOW_SCRIPT = [
  '"$@" &',
  'pid=$!',
  `trap 'kill "$pid" 2>/dev/null; exit 143' HUP TERM`,
  "trap '' PIPE",
  'while kill -0 "$pid" 2>/dev/null; do',
  `  sleep ${FOLLOW_HEARTBEAT_S}`,
  `  if ! printf '\\n' >&2; then kill "$pid" 2>/dev/null; exit 141; fi`,
  'done',
  'wait "$pid"',
].join('\n');

/**
 * @example followArgv({ docker: 'docker', sudo: false }, ['docker', 'logs', '--follow', 'web'])
 * // ['sh', '-c', FOLLOW_SCRIPT, 'sh', 'docker', 'logs', '--follow', 'web']
 */
export function followArgv(
  host: Pick<HostSpec, 'docker' | 'sudo'>,
  argv: readonly string[],
): string[] {
  return ['sh', '-c', FOLLOW_SCRIPT, 'sh', ...dockerArgv(host, argv)];
}
