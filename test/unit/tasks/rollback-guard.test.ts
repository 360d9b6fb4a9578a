// SPEC §7.5's guard: after a rollback, update refuses the spec rolled away from. It finds the
// entries it needs by id, so the test counts what it asks for.
import { describe, expect, test } from 'vitest';
import { serviceSpec, type LedgerEntry } from '../../../src/ledger/index.js';
import type { ObservedContainer } from '../../../src/remote-docker/index.js';
import { rollbackGuard } from '../../../src/tasks/rollback-guard.js';
import { entry, service } from '../ledger/helpers.js';

const v1 = service({ web: { image: 'web:1' } });
const v2 = service({ web: { image: 'web:2' } });
const up1 = entry({ action: 'up', spec: serviceSpec(v1) }, 1_000);
const up2 = entry({ action: 'update', spec: serviceSpec(v2) }, 2_000);
const back = entry(
  { action: 'rollback', spec: serviceSpec(v1), source: up1.id, rolled_back_from: up2.id },
  3_000,
);

function running(version: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id: 'c1',
    name: 'shop-web-web-1',
    service: 'shop',
    job: 'web',
    task: 'web-1',
    host: 'h1',
    inventory: 'test',
    hash: 'hash',
    version,
    image: 'web:1',
    imageId: 'sha256:1',
    state: 'running',
    health: 'none',
    restartCount: 0,
    exitCode: 0,
    labels: {},
    ...over,
  };
}

function ledger(entries: LedgerEntry[]) {
  const asked: string[][] = [];
  const lookup = (ids: ReadonlySet<string>) => {
    asked.push([...ids].sort());
    return Promise.resolve(new Map(entries.filter((e) => ids.has(e.id)).map((e) => [e.id, e])));
  };
  return { lookup, asked };
}

describe('rollbackGuard', () => {
  test('refuses the spec rolled away from, naming the rollback; asks for two ids only', async () => {
    const l = ledger([up1, up2, back]);
    const guard = rollbackGuard([v2], [v2], l.lookup, 'test');
    await expect(guard({ h1: [running(back.id)] })).rejects.toThrow(
      `shop/web was rolled back to ${up1.id} (entry ${back.id})`,
    );
    expect(l.asked).toEqual([[back.id], [up2.id]]);
  });

  test('lets through other specs, running entries that are not rollbacks, and other inventories', async () => {
    const l = ledger([up1, up2, back]);
    const v3 = service({ web: { image: 'web:3' } });
    await expect(
      rollbackGuard([v3], [v3], l.lookup, 'test')({ h1: [running(back.id)] }),
    ).resolves.toBeUndefined();
    await expect(
      rollbackGuard([v2], [v2], l.lookup, 'test')({ h1: [running(up2.id)] }),
    ).resolves.toBeUndefined();
    await expect(
      rollbackGuard(
        [v2],
        [v2],
        l.lookup,
        'test',
      )({ h1: [running(back.id, { inventory: 'prod' })] }),
    ).resolves.toBeUndefined();
    // A set-aside container is not what runs.
    await expect(
      rollbackGuard(
        [v2],
        [v2],
        l.lookup,
        'test',
      )({
        h1: [running(back.id, { name: 'shop-web-web-1.old' })],
      }),
    ).resolves.toBeUndefined();
  });

  test('a rollback whose source entry is missing from the ledger is no reason to refuse', async () => {
    const l = ledger([back]);
    await expect(
      rollbackGuard([v2], [v2], l.lookup, 'test')({ h1: [running(back.id)] }),
    ).resolves.toBeUndefined();
  });
});
