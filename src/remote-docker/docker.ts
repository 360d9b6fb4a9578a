import type { HostSpec } from '../inventory/model.js';

/**
 * Builders return argv whose first element is the placeholder `docker`; this maps it to
 * the host's docker binary and adds `sudo -n` (never prompts: a password prompt over a
 * non-interactive channel would hang, `-n` makes it fail fast so we can report exit 3).
 *
 * @example dockerArgv({ ...host, sudo: true }, ['docker', 'ps']) // ['sudo', '-n', 'docker', 'ps']
 */
export function dockerArgv(
  host: Pick<HostSpec, 'docker' | 'sudo'>,
  argv: readonly string[],
): string[] {
  if (argv[0] !== 'docker')
    throw new Error(`dockerArgv: expected a docker argv, got ${argv[0] ?? '(empty)'}`);
  return [...dockerPrefix(host), ...argv.slice(1)];
}

/** The words that run docker on the host: what a constant script receives as `"$@"`. */
export function dockerPrefix(host: Pick<HostSpec, 'docker' | 'sudo'>): string[] {
  return host.sudo ? ['sudo', '-n', host.docker] : [host.docker];
}

/** deploy's directory on a target, relative to the SSH user's home (sessions start there). */
export const DEPLOY_DIR = '.deploy';

/** The per-host bridge every task joins unless its job names another network. */
export const DEPLOY_NETWORK = 'deploy';

// Names become path components on the target; refuse anything that could escape them.
const PATH_SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function assertPathComponent(kind: string, value: string): string {
  if (!PATH_SAFE.test(value) || value.includes('..') || value.length > 128) {
    throw new Error(`invalid ${kind} for a remote path: ${JSON.stringify(value)}`);
  }
  return value;
}
