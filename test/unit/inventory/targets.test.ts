import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject, selectTargets, type Project } from '../../../src/inventory/index.js';
import { UsageError } from '../../../src/shared/errors.js';
import { makeRepo } from './repo-helper.js';

let project: Project;

beforeAll(async () => {
  const dir = makeRepo({
    'inventories/test.yml':
      'hosts:\n  h1: { address: local }\n  h2: { address: local }\n  h3: { address: local, labels: { zone: c } }\ngroups: { web: [h1, h2], solo: [h3] }\n',
    'jobs/shop.yml':
      'service: shop\ndepends_on: [db]\njobs:\n  web:\n    image: a:1\n    depends_on: [cache]\n    tasks: { web-1: { host: h1 }, web-2: { host: h2 } }\n  cache:\n    image: a:1\n    placement: { group: web }\n',
    'jobs/db.yml':
      'service: db\njobs:\n  main:\n    image: a:1\n    tasks: { primary: { host: h3 } }\n  cache:\n    image: a:1\n    placement: { hosts: [h3] }\n  side:\n    image: a:1\n    placement: { labels: { zone: c } }\n',
  });
  project = await loadProject({ dir, env: {} });
});

const names = (target: string | undefined, hosts: string[] = []): string[] =>
  selectTargets(project, target, hosts).tasks.map((t) => `${t.service}/${t.job}/${t.task}`);

describe('selectTargets (SPEC §3)', () => {
  it.each([
    [
      undefined,
      'all',
      [
        'db/main/primary',
        'db/cache/h3',
        'db/side/h3',
        'shop/cache/h1',
        'shop/cache/h2',
        'shop/web/web-1',
        'shop/web/web-2',
      ],
    ],
    [
      'all',
      'all',
      [
        'db/main/primary',
        'db/cache/h3',
        'db/side/h3',
        'shop/cache/h1',
        'shop/cache/h2',
        'shop/web/web-1',
        'shop/web/web-2',
      ],
    ],
    ['shop', 'service', ['shop/cache/h1', 'shop/cache/h2', 'shop/web/web-1', 'shop/web/web-2']],
    ['shop/web', 'job', ['shop/web/web-1', 'shop/web/web-2']],
    ['shop/cache/h2', 'task', ['shop/cache/h2']],
    ['web', 'job', ['shop/web/web-1', 'shop/web/web-2']],
    ['main', 'job', ['db/main/primary']],
    ['web-2', 'task', ['shop/web/web-2']],
    ['primary', 'task', ['db/main/primary']],
  ] as const)('%s → %s', (target, kind, tasks) => {
    const sel = selectTargets(project, target);
    expect(sel.kind).toBe(kind);
    expect(names(target)).toEqual(tasks);
  });

  it('keeps services in start order and jobs in dependency order', () => {
    const sel = selectTargets(project, 'all');
    expect(sel.services.map((s) => s.service)).toEqual(['db', 'shop']);
    expect(sel.services[1]!.jobs.map((j) => j.job)).toEqual(['cache', 'web']);
    expect(sel.hosts).toEqual(['h1', 'h2', 'h3']);
  });

  it('an ambiguous job name lists the qualified forms', () => {
    expect(() => selectTargets(project, 'cache')).toThrow(UsageError);
    expect(() => selectTargets(project, 'cache')).toThrow(
      'ambiguous job name "cache": db/cache, shop/cache',
    );
  });

  it('an ambiguous task name lists the qualified forms', () => {
    expect(() => selectTargets(project, 'h3')).toThrow(
      'ambiguous task name "h3": db/cache/h3, db/side/h3',
    );
  });

  it('an unknown target lists close candidates', () => {
    expect(() => selectTargets(project, 'shpo')).toThrow(
      'unknown target "shpo" (did you mean: shop)',
    );
    expect(() => selectTargets(project, 'shop/wbe')).toThrow(
      'unknown target "shop/wbe" (did you mean: shop/web, shop)',
    );
    expect(() => selectTargets(project, 'nothing-like-it')).toThrow(
      'unknown target "nothing-like-it"',
    );
  });

  it('--host limits by host or group', () => {
    expect(names('all', ['h2'])).toEqual(['shop/cache/h2', 'shop/web/web-2']);
    expect(names('shop', ['web'])).toEqual([
      'shop/cache/h1',
      'shop/cache/h2',
      'shop/web/web-1',
      'shop/web/web-2',
    ]);
    expect(names('all', ['solo'])).toEqual(['db/main/primary', 'db/cache/h3', 'db/side/h3']);
    expect(selectTargets(project, 'shop', ['solo']).services).toEqual([]);
    expect(() => selectTargets(project, 'all', ['h9'])).toThrow(
      'unknown host or group "h9" in inventory test (did you mean: h1, h2, h3)',
    );
  });
});
