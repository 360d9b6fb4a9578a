/**
 * `ledger/<service>.jsonl` on disk: append-only writes under a lock, and a tolerant reader.
 * Never rewrites a file: a torn last line (a writer killed mid-append) is sealed with a
 * newline so the next entry starts clean, and the reader reports the fragment.
 */
import { constants as fsc } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secrets } from '../shared/secret.js';
import { assertNoSecretValues, entryProblems, type LedgerEntry } from './entry.js';
import { DeployError } from '../shared/errors.js';
import { withFileLock } from './lock.js';

export const LEDGER_DIR = 'ledger';
const GITATTRIBUTES = '*.jsonl merge=union\n';

export interface AppendOptions {
  /** Secrets whose values must not appear in any line (checked before anything is written). */
  secrets?: Secrets;
  /** Bounded wait for the ledger lock (default 15s). */
  lockWaitMs?: number;
}

export interface LedgerProblem {
  file: string;
  line: number;
  message: string;
}

export interface LedgerRead {
  entries: LedgerEntry[];
  problems: LedgerProblem[];
}

export function ledgerFile(repoDir: string, service: string): string {
  return join(repoDir, LEDGER_DIR, `${service}.jsonl`);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function endsWithNewline(
  fh: import('node:fs/promises').FileHandle,
  size: number,
): Promise<boolean> {
  if (size === 0) return true;
  const buf = Buffer.alloc(1);
  await fh.read(buf, 0, 1, size - 1);
  return buf[0] === 0x0a;
}

async function appendLines(path: string, text: string): Promise<{ created: boolean }> {
  const fh = await open(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
  try {
    const { size } = await fh.stat();
    // A read needs a readable handle: O_APPEND|O_WRONLY cannot read the last byte.
    const reader = size > 0 ? await open(path, 'r') : undefined;
    const clean = reader ? await endsWithNewline(reader, size).finally(() => reader.close()) : true;
    // One write() for all of this file's lines so a crash tears at most the tail.
    const buf = Buffer.from((clean ? '' : '\n') + text, 'utf8');
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    await fh.sync();
    return { created: size === 0 };
  } finally {
    await fh.close();
  }
}

/**
 * Where the ledger lock lives: `.deploy/locks/ledger.lock` beside the configs, in a
 * directory whose own `.gitignore` ignores everything in it, so the lock can never be
 * committed (a `ledger/.lock` committed by an older deploy is not looked at).
 */
export function ledgerLockPath(repoDir: string): string {
  return join(repoDir, LOCK_DIR, 'ledger.lock');
}

const LOCK_DIR = join('.deploy', 'locks');
const LOCK_DIR_GITIGNORE = '# Written by deploy: local lock files, never committed.\n*\n';

/** Recording in the ledger failed (or cannot work): exit 1, naming the file and why. */
export class LedgerWriteError extends DeployError {
  readonly exitCode = 1 as const;
  constructor(
    /** Relative to the repository. */
    readonly file: string,
    reason: string,
    /** Services whose entries were written before the failure. */
    readonly recorded: readonly string[] = [],
  ) {
    super(`cannot record the run in ${file}: ${reason}`);
    this.name = 'LedgerWriteError';
    this.hint =
      recorded.length > 0
        ? `entries of ${recorded.join(', ')} were written; the hosts keep what this run did`
        : 'the hosts keep what this run did; `deploy status` shows its containers as unrecorded';
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function ensureLockDir(repoDir: string): Promise<string> {
  const dir = join(repoDir, LOCK_DIR);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.gitignore'), LOCK_DIR_GITIGNORE, { flag: 'wx' }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
  } catch (err) {
    throw new LedgerWriteError(LOCK_DIR, reasonOf(err));
  }
  return ledgerLockPath(repoDir);
}

/** ENOENT is fine (the file is created on the first append); anything else must be a kind. */
async function expectKind(repoDir: string, rel: string, kind: 'file' | 'dir'): Promise<void> {
  const st = await stat(join(repoDir, rel)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new LedgerWriteError(rel, reasonOf(err));
  });
  if (!st) return;
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile())
    throw new LedgerWriteError(rel, kind === 'dir' ? 'not a directory' : 'not a regular file');
}

/**
 * Before a mutating run touches any host: can its entries be recorded? The service files
 * must be files (or absent) and the ledger lock must be free or stale within the bounded
 * wait. Throws LedgerWriteError or LedgerLockTimeout (both exit 1).
 */
export async function checkLedgerWritable(
  repoDir: string,
  services: readonly string[],
  opts: { lockWaitMs?: number } = {},
): Promise<void> {
  await expectKind(repoDir, LEDGER_DIR, 'dir');
  for (const service of services)
    await expectKind(repoDir, join(LEDGER_DIR, `${service}.jsonl`), 'file');
  const lock = await ensureLockDir(repoDir);
  await withFileLock(lock, () => Promise.resolve(), { waitMs: opts.lockWaitMs });
}

/**
 * Appends entries (grouped per service file) under the ledger lock. Every entry is
 * validated and checked against the secret values before any byte is written. A failed
 * write is a LedgerWriteError naming the file (and the services already written).
 */
export async function appendEntries(
  repoDir: string,
  entries: LedgerEntry[],
  opts: AppendOptions = {},
): Promise<void> {
  if (entries.length === 0) return;
  const secrets = opts.secrets ?? {};
  const byService = new Map<string, string>();
  for (const entry of entries) {
    const problems = entryProblems(entry);
    if (problems.length)
      throw new TypeError(`invalid ledger entry ${entry.id}: ${problems.join('; ')}`);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(entry.service))
      throw new TypeError(`invalid service name for the ledger: ${entry.service}`);
    assertNoSecretValues(entry, secrets);
    byService.set(
      entry.service,
      (byService.get(entry.service) ?? '') + JSON.stringify(entry) + '\n',
    );
  }
  const dir = join(repoDir, LEDGER_DIR);
  try {
    const createdDir = (await mkdir(dir, { recursive: true })) !== undefined;
    if (createdDir) await fsyncDir(repoDir);
  } catch (err) {
    throw new LedgerWriteError(LEDGER_DIR, reasonOf(err));
  }
  const lock = await ensureLockDir(repoDir);
  const recorded: string[] = [];
  await withFileLock(
    lock,
    async () => {
      let created = false;
      for (const [service, text] of byService) {
        const rel = join(LEDGER_DIR, `${service}.jsonl`);
        try {
          created = (await appendLines(ledgerFile(repoDir, service), text)).created || created;
        } catch (err) {
          throw new LedgerWriteError(rel, reasonOf(err), recorded);
        }
        recorded.push(service);
      }
      const attrs = join(dir, '.gitattributes');
      try {
        await writeFile(attrs, GITATTRIBUTES, { flag: 'wx' });
        created = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new LedgerWriteError(join(LEDGER_DIR, '.gitattributes'), reasonOf(err), recorded);
      }
      if (created) await fsyncDir(dir);
    },
    { waitMs: opts.lockWaitMs },
  );
}

function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

async function ledgerFiles(repoDir: string, service?: string): Promise<string[]> {
  if (service !== undefined) return [`${service}.jsonl`];
  try {
    return (await readdir(join(repoDir, LEDGER_DIR))).filter((f) => f.endsWith('.jsonl')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A ledger file's text; undefined when it does not exist (yet). */
async function readLedgerFile(repoDir: string, rel: string): Promise<string | undefined> {
  try {
    return await readFile(join(repoDir, rel), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Every valid entry (filtered by service and inventory), ordered by time then id, with
 * identical repeated lines (a union merge can duplicate) read once. Unreadable lines are
 * returned in `problems` with their file (relative to the repo) and 1-based line number.
 */
export async function readLedger(
  repoDir: string,
  opts: { service?: string; inventory?: string } = {},
): Promise<LedgerRead> {
  const entries: LedgerEntry[] = [];
  const problems: LedgerProblem[] = [];
  const seen = new Set<string>();
  for (const name of await ledgerFiles(repoDir, opts.service)) {
    const rel = join(LEDGER_DIR, name);
    const text = await readLedgerFile(repoDir, rel);
    if (text === undefined) continue;
    const lines = text.split('\n');
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      const where = { file: rel, line: i + 1 };
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        const last = i === lines.length - 1;
        problems.push({
          ...where,
          message: last
            ? 'torn line (an interrupted write?), skipped'
            : 'invalid JSON (a torn write?), skipped',
        });
        return;
      }
      const bad = entryProblems(value);
      if (bad.length) {
        problems.push({ ...where, message: `not a ledger entry: ${bad.slice(0, 3).join('; ')}` });
        return;
      }
      if (seen.has(line)) return;
      seen.add(line);
      const entry = value as LedgerEntry;
      if (opts.service !== undefined && entry.service !== opts.service) return;
      if (opts.inventory !== undefined && entry.inventory !== opts.inventory) return;
      entries.push(entry);
    });
  }
  entries.sort(compareEntries);
  return { entries, problems };
}

/** deploy writes `id` first (SPEC §5 key order): the id of such a line, without parsing it. */
const LEADING_ID = /^\{"id":"([0-9A-Za-z]+)"/;

/**
 * The valid entries with these ids (filtered by inventory), by id. Only lines that may hold
 * one are parsed: deploy writes the id first, so most lines are skipped by a prefix match;
 * a line in another shape is parsed and checked like any other. `status` needs a handful
 * of entries from a ledger that grows with every run; reading it all cost ~50 ms per 500
 * entries.
 */
/** Finds entries by id: `findEntries` bound to a repository and an inventory. */
export type EntryLookup = (ids: ReadonlySet<string>) => Promise<Map<string, LedgerEntry>>;

export async function findEntries(
  repoDir: string,
  ids: ReadonlySet<string>,
  opts: { inventory?: string } = {},
): Promise<Map<string, LedgerEntry>> {
  const found = new Map<string, LedgerEntry>();
  if (ids.size === 0) return found;
  for (const name of await ledgerFiles(repoDir)) {
    const text = await readLedgerFile(repoDir, join(LEDGER_DIR, name));
    if (text === undefined) continue;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const leading = LEADING_ID.exec(line);
      if (line === '' || (leading && !ids.has(leading[1]!))) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (entryProblems(value).length) continue;
      const entry = value as LedgerEntry;
      if (!ids.has(entry.id) || found.has(entry.id)) continue;
      if (opts.inventory !== undefined && entry.inventory !== opts.inventory) continue;
      found.set(entry.id, entry);
    }
  }
  return found;
}
