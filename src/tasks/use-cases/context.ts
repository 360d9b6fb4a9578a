/**
 * What every use-case (one per command, in this folder) is handed by src/cli: the opened
 * session, the run-wide settings parsed from the global flags, and where its notices go.
 * A use-case takes parsed options and returns a typed report; the CLI renders it and maps
 * it to an exit code. Core code never prints: what a person should read while the command
 * runs goes through `RunNotices` (and the task `Reporter`).
 */
import type { Project } from '../../inventory/model.js';
import type { Clock } from '../../shared/clock.js';
import { createPool, type HostPool } from '../../transport/index.js';

/** An opened session: the loaded project, the host connections, Ctrl-C as an abort signal. */
export interface HostSession {
  project: Project;
  pool: HostPool;
  signal: AbortSignal;
}

/** The global flags a use-case needs (SPEC §3). */
export interface RunSettings {
  parallel: number;
  timeoutMs: number;
  lockWaitMs: number;
}

/** What a mutating run records as its command line and holder (`deploy update web`). */
export interface MutatingSettings extends RunSettings {
  command: string;
  clock?: Clock;
}

/**
 * Lines for a person on stderr (the CLI drops them under --json): `info` as given,
 * `warning` prefixed `warning: `. Texts read from outside are already escaped by the caller
 * where they were before.
 */
export interface RunNotices {
  info(text: string): void;
  warning(text: string): void;
}

export const silentNotices: RunNotices = { info: () => {}, warning: () => {} };

/**
 * The host connections a session runs on: one pool per command, connected lazily and
 * closed by whoever opened it. `onCommand` sees every remote command as displayed (`-v`).
 */
export function openHosts(
  project: Project,
  opts: { timeoutMs: number; onCommand?: (host: string, display: string) => void },
): HostPool {
  return createPool(project.inventory, {
    timeoutMs: opts.timeoutMs,
    onCommand: opts.onCommand,
  });
}
