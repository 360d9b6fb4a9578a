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

/**
 * Per-run dirs older than this are left over from a run that could not clean up (its shell
 * SIGKILLed, the target rebooted mid-pull): any later deploy removes them. A live run's dir
 * is younger: it exists only while that run's login and pulls run.
 */
export const TMP_STALE_MINUTES = 60;

// `cd` first: no `.deploy/tmp` yet is nothing to do, not an error.
export const SWEEP_TMP_SCRIPT =
  'cd -- "$1" 2>/dev/null || exit 0; find . -mindepth 1 -maxdepth 1 -mmin +"$2" -exec rm -rf -- {} +';

/** @example sweepTmpArgv() // ['sh', '-c', SWEEP_TMP_SCRIPT, 'sh', '.deploy/tmp', '60'] */
export function sweepTmpArgv(minutes: number = TMP_STALE_MINUTES): string[] {
  return ['sh', '-c', SWEEP_TMP_SCRIPT, 'sh', `${DEPLOY_DIR}/tmp`, String(minutes)];
}
