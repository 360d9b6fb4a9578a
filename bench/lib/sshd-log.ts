/** Counts SSH connections from the sandbox sshd logs (LogLevel VERBOSE logs each login). */
import { readFileSync } from 'node:fs';

const ACCEPTED = /Accepted publickey for /g;

export function acceptedCount(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').match(ACCEPTED)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** Snapshot before, call `diff()` after: connections each host accepted in between. */
export function connectionCounter(logs: Record<string, string>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(logs).map(([h, f]) => [h, acceptedCount(f)]));
  return () =>
    Object.fromEntries(Object.entries(logs).map(([h, f]) => [h, acceptedCount(f) - before[h]!]));
}
