import { lockDir, parseHolder, type LockHolder } from './lock.js';

/*
 * Whether a service's lock is held, and by whom. `cat holder.json` alone cannot tell a
 * free lock from a held one whose holder.json is missing (a run killed between `mkdir`
 * and writing it): the first line says `held` or `free`, the holder follows.
 */
export const LOCK_PROBE_SCRIPT = [
  'if [ -d "$1" ]; then',
  '  echo held',
  '  cat "$1/holder.json" 2>/dev/null',
  'else',
  '  echo free',
  'fi',
].join('\n');

/** @example lockProbeArgv('coding') // ['sh', '-c', LOCK_PROBE_SCRIPT, 'sh', '.deploy/locks/coding'] */
export function lockProbeArgv(service: string): string[] {
  return ['sh', '-c', LOCK_PROBE_SCRIPT, 'sh', lockDir(service)];
}

export interface LockProbe {
  held: boolean;
  /** undefined when free, or held with a missing or unreadable holder.json. */
  holder?: LockHolder;
  /** holder.json as read (for display when it cannot be parsed). */
  raw: string;
}

export function parseLockProbe(stdout: string): LockProbe {
  const newline = stdout.indexOf('\n');
  const first = (newline < 0 ? stdout : stdout.slice(0, newline)).trim();
  const raw = newline < 0 ? '' : stdout.slice(newline + 1).trim();
  if (first !== 'held') return { held: false, raw: '' };
  const holder = parseHolder(raw);
  return holder ? { held: true, holder, raw } : { held: true, raw };
}
