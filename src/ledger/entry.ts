/**
 * The ledger entry (SPEC §5): its shape, a pure builder that fills defaults and checks
 * the shape, and the guard that keeps secret values out of every line.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Secrets } from '../shared/secret.js';
import { ulid } from './ulid.js';

export type LedgerAction = 'push' | 'up' | 'update' | 'down' | 'rollback';
export type LedgerOutcome = 'ok' | 'failed' | 'interrupted' | 'partial';

export interface LedgerTask {
  task: string;
  job: string;
  host: string;
  image: string;
  hash: string;
  container_id: string | null;
  action: string;
  outcome: string;
  error: string | null;
}

export interface LedgerEntry {
  id: string;
  run: string;
  /** RFC 3339 UTC. */
  time: string;
  user: string;
  action: LedgerAction;
  service: string;
  targets: string[];
  inventory: string;
  config_commit: string | null;
  config_dirty: boolean | null;
  /** The resolved service (see serviceSpec), secrets as hashes. */
  spec: unknown;
  tasks: LedgerTask[];
  outcome: LedgerOutcome;
  duration_ms: number;
  tool_version: string;
  message?: string;
  /** push: per-job changes since this service's previous push (see jobChanges). */
  changes?: unknown;
  /** rollback: the entry whose spec was restored. */
  source?: string;
  /** rollback: the entry that was running before, whose spec `update` refuses to redeploy silently (§7.5). */
  rolled_back_from?: string;
}

const taskSchema = z.looseObject({
  task: z.string(),
  job: z.string(),
  host: z.string(),
  image: z.string(),
  hash: z.string(),
  container_id: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  error: z.string().nullable(),
});

/**
 * Loose on purpose: entries written by a newer deploy (more keys) must still read back,
 * and a reader must never refuse a whole ledger for one odd line.
 */
export const entrySchema = z.looseObject({
  id: z.string().min(1),
  run: z.string().min(1),
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'not an RFC 3339 time'),
  user: z.string(),
  action: z.enum(['push', 'up', 'update', 'down', 'rollback']),
  service: z.string().min(1),
  targets: z.array(z.string()),
  inventory: z.string().min(1),
  config_commit: z.string().nullable(),
  config_dirty: z.boolean().nullable(),
  spec: z.unknown(),
  tasks: z.array(taskSchema),
  outcome: z.enum(['ok', 'failed', 'interrupted', 'partial']),
  duration_ms: z.number().nonnegative(),
  tool_version: z.string(),
  message: z.string().optional(),
  changes: z.unknown().optional(),
  source: z.string().optional(),
  rolled_back_from: z.string().optional(),
});

/** One-line reasons a value is not a valid entry, or [] when it is. */
export function entryProblems(value: unknown): string[] {
  const parsed = entrySchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
}

let cachedVersion: string | undefined;
/** deploy's own version, read from package.json (same path from src/ and dist/). */
export function toolVersion(): string {
  cachedVersion ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cachedVersion;
}

export type EntryFields = Pick<
  LedgerEntry,
  'action' | 'service' | 'inventory' | 'user' | 'outcome'
> &
  Partial<Omit<LedgerEntry, 'action' | 'service' | 'inventory' | 'user' | 'outcome'>>;

/**
 * Fills defaults (id, run = id, time, empty tasks/targets, null git state, tool version)
 * and validates the shape; throws a TypeError naming the bad fields. Pass `now` for a
 * reproducible id and time. Keys are emitted in SPEC §5 order so lines read well.
 */
export function buildEntry(fields: EntryFields, now: number = Date.now()): LedgerEntry {
  const id = fields.id ?? ulid(now);
  const entry: LedgerEntry = {
    id,
    run: fields.run ?? id,
    time: fields.time ?? new Date(now).toISOString(),
    user: fields.user,
    action: fields.action,
    service: fields.service,
    targets: fields.targets ?? [],
    inventory: fields.inventory,
    config_commit: fields.config_commit ?? null,
    config_dirty: fields.config_dirty ?? null,
    spec: fields.spec ?? null,
    tasks: fields.tasks ?? [],
    outcome: fields.outcome,
    duration_ms: Math.max(0, Math.round(fields.duration_ms ?? 0)),
    tool_version: fields.tool_version ?? toolVersion(),
  };
  if (fields.message !== undefined) entry.message = fields.message;
  if (fields.changes !== undefined) entry.changes = fields.changes;
  if (fields.source !== undefined) entry.source = fields.source;
  if (fields.rolled_back_from !== undefined) entry.rolled_back_from = fields.rolled_back_from;
  const problems = entryProblems(entry);
  if (problems.length) throw new TypeError(`invalid ledger entry: ${problems.join('; ')}`);
  return entry;
}

/** Values shorter than this would match ordinary text; they are weak enough to be warned about elsewhere. */
export const MIN_GUARDED_SECRET_LENGTH = 4;

/**
 * Throws if any secret value appears in the entry's serialised line, raw or JSON-escaped.
 * The error names neither the value nor where it was found (that would print it).
 */
export function assertNoSecretValues(entry: LedgerEntry, secrets: Secrets): void {
  const line = JSON.stringify(entry);
  for (const secret of Object.values(secrets)) {
    if (!secret) continue;
    const value = secret.reveal();
    if (value.length < MIN_GUARDED_SECRET_LENGTH) continue;
    const escaped = JSON.stringify(value).slice(1, -1);
    if (line.includes(value) || line.includes(escaped)) {
      throw new Error(
        `refusing to write ledger entry ${entry.id} for ${entry.service}: it contains a secret value`,
      );
    }
  }
}
