/**
 * A local exclusive lock file (created with O_EXCL, holding `pid host nonce start-ms`) that
 * serialises ledger appends between processes on this machine. It is held for the few
 * milliseconds an append takes, so a lock is stale when its holder ran here and its pid is
 * dead, or when it is older than LOCK_STALE_MS whoever holds it (a lock from another
 * machine can only have arrived by copy or commit; pids wrap). Breaking goes through a
 * second O_EXCL file so two waiters cannot both break and then delete each other's fresh
 * lock.
 */
import { open, readFile, unlink, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DeployError } from '../shared/errors.js';

export interface LockOptions {
  /** Give up after this long (default 15s). */
  waitMs?: number;
}

/** The ledger lock stayed held for the whole wait: exit 1 (SPEC §3: a lock was held). */
export class LedgerLockTimeout extends DeployError {
  readonly exitCode = 1 as const;
  constructor(
    readonly path: string,
    readonly holder: string,
    waitedMs: number,
  ) {
    super(
      `ledger lock ${path} is held by ${holder || 'an unknown process'} (waited ${waitedMs / 1000}s)`,
    );
    this.name = 'LedgerLockTimeout';
    this.hint = `another deploy on this machine is writing the ledger; if none is, remove ${path}`;
  }
}

/** A lock file with no content older than this was left by a crash between create and write. */
const EMPTY_LOCK_STALE_MS = 10_000;
const BREAKER_STALE_MS = 10_000;
/** An append holds the lock for milliseconds: a lock this old is left over, whoever took it. */
export const LOCK_STALE_MS = 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}

async function isStale(path: string, content: string): Promise<boolean> {
  const [pidText, host, , startText] = content.trim().split(/\s+/);
  if (!pidText) return olderThan(path, EMPTY_LOCK_STALE_MS);
  const pid = Number(pidText);
  if (host === hostname() && Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) return true;
  // Its own start time when it has one (a committed file's mtime is its checkout time);
  // either way a clock far off in the future counts as old too.
  const start = Number(startText);
  if (startText !== undefined && Number.isFinite(start))
    return Math.abs(Date.now() - start) > LOCK_STALE_MS;
  return olderThan(path, LOCK_STALE_MS);
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o644);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function breakIfStale(path: string, seen: string): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, `${process.pid} ${hostname()}\n`))) {
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > BREAKER_STALE_MS)
      await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    // Re-check under the breaker: the lock may have changed hands since we looked.
    const now = await readHolder(path);
    if (now !== undefined && now === seen && (await isStale(path, now)))
      await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Runs fn while holding the lock file at `path`; the lock is released even if fn throws. */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const waitMs = opts.waitMs ?? 15_000;
  const content = `${process.pid} ${hostname()} ${randomBytes(6).toString('hex')} ${Date.now()}\n`;
  const deadline = Date.now() + waitMs;
  let delay = 2;
  let holder = '';
  for (;;) {
    if (await tryCreate(path, content)) break;
    const seen = await readHolder(path);
    if (seen !== undefined) {
      holder = seen.trim();
      if (await isStale(path, seen)) {
        await breakIfStale(path, seen);
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
    }
    if (Date.now() >= deadline) throw new LedgerLockTimeout(path, holder, waitMs);
    await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    // Only remove our own lock: never one that was (wrongly) broken and retaken.
    if ((await readHolder(path)) === content) await unlink(path).catch(() => undefined);
  }
}
