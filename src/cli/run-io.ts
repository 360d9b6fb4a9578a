/**
 * What the CLI hands a use-case besides its options: the run settings from the global
 * flags, the command line recorded as holder and in hooks, and where notices go (stderr,
 * nothing under --json).
 */
import type { MutatingSettings, RunNotices } from '../tasks/use-cases/context.js';
import type { GlobalOptions } from './context.js';

/** `deploy …` as typed: the lock holder's and the ledger's `command`. */
export function commandLine(): string {
  return ['deploy', ...process.argv.slice(2)].join(' ');
}

export function settingsOf(globals: GlobalOptions): MutatingSettings {
  return {
    parallel: globals.parallel,
    timeoutMs: globals.timeoutMs,
    lockWaitMs: globals.lockWaitMs,
    command: commandLine(),
  };
}

export function noticesFor(globals: GlobalOptions): RunNotices {
  if (globals.json) return { info: () => {}, warning: () => {} };
  return {
    info: (text) => process.stderr.write(`${text}\n`),
    warning: (text) => process.stderr.write(`warning: ${text}\n`),
  };
}
