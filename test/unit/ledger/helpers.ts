import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedService, TaskSpec } from '../../../src/inventory/model.js';
import { buildEntry, type EntryFields, type LedgerEntry } from '../../../src/ledger/index.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-ledger-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function entry(over: Partial<EntryFields> = {}, now?: number): LedgerEntry {
  return buildEntry(
    { action: 'up', service: 'shop', inventory: 'test', user: 'tester', outcome: 'ok', ...over },
    now,
  );
}

function taskSpec(over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    image: 'web:1',
    env: {},
    secrets: [],
    ports: [],
    volumes: [],
    labels: {},
    restart: 'unless-stopped',
    ...over,
  };
}

/** A small resolved service: job → image/tasks/spec overrides/one secret hash. */
export function service(
  jobs: Record<
    string,
    { image?: string; tasks?: string[]; spec?: Partial<TaskSpec>; secret?: string }
  >,
): ResolvedService {
  return {
    service: 'shop',
    file: '/repo/jobs/shop.yml',
    dependsOn: [],
    jobs: Object.entries(jobs).map(([job, j]) => ({
      service: 'shop',
      job,
      update: {
        parallelism: 1,
        order: 'stop-first',
        delayMs: 0,
        monitorMs: 5000,
        failureAction: 'rollback',
      },
      dependsOn: [],
      tasks: (j.tasks ?? [`${job}-1`]).map((task) => ({
        service: 'shop',
        job,
        task,
        host: 'h1',
        container: `shop-${job}-${task}`,
        spec: taskSpec({ image: j.image ?? 'web:1', ...j.spec }),
        secretHashes: (j.secret ? { DB: j.secret } : {}) as Record<string, string>,
        hash: 'hash',
      })),
    })),
  };
}
