import { DEPLOY_DIR, assertPathComponent } from './docker.js';

/** `.deploy/tmp/<run>`: the per-run `docker --config` dir (registry login + pulls). */
export function tmpDir(run: string): string {
  return `${DEPLOY_DIR}/tmp/${assertPathComponent('run id', run)}`;
}

// umask (not `mkdir -m`) so `.deploy` and `.deploy/tmp` are created 0700 too, not just the leaf.
export const MKTMP_SCRIPT = 'umask 077 && mkdir -p -- "$1"';

/** @example mkTmpArgv('01JABC') // ['sh', '-c', MKTMP_SCRIPT, 'sh', '.deploy/tmp/01JABC'] */
export function mkTmpArgv(run: string): string[] {
  return ['sh', '-c', MKTMP_SCRIPT, 'sh', tmpDir(run)];
}

/** @example rmTmpArgv('01JABC') // ['rm', '-rf', '--', '.deploy/tmp/01JABC'] */
export function rmTmpArgv(run: string): string[] {
  return ['rm', '-rf', '--', tmpDir(run)];
}
