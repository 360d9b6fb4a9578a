import { describe, expect, test } from 'vitest';
import {
  entryImages,
  filterEntries,
  resolveLedgerTarget,
  serviceSpec,
} from '../../../src/ledger/index.js';
import { entry, service } from './helpers.js';

const task = (job: string, t: string, image: string) => ({
  task: t,
  job,
  host: 'h1',
  image,
  hash: 'x',
  container_id: null,
  action: 'replace',
  outcome: 'ok',
  error: null,
});

const shopSpec = serviceSpec(service({ web: { image: 'web:1' }, cache: { image: 'redis:7' } }));
const entries = [
  entry({ id: 'A', service: 'shop', action: 'push', spec: shopSpec }),
  entry({ id: 'B', service: 'shop', spec: shopSpec, tasks: [task('web', 'web-1', 'web:1')] }),
  entry({ id: 'C', service: 'shop', spec: shopSpec, tasks: [task('cache', 'cache-1', 'redis:7')] }),
  entry({ id: 'D', service: 'blog', tasks: [task('web', 'blog-web-1', 'blog:3')] }),
];
const ids = (target?: string) =>
  filterEntries(entries, resolveLedgerTarget(entries, target)).map((e) => e.id);

describe('history targets over the ledger', () => {
  test.each([
    [undefined, ['A', 'B', 'C', 'D']],
    ['all', ['A', 'B', 'C', 'D']],
    ['shop', ['A', 'B', 'C']],
    ['blog', ['D']],
    ['shop/web', ['A', 'B']],
    ['shop/cache', ['A', 'C']],
    ['cache', ['A', 'C']],
    ['blog-web-1', ['D']],
    ['shop/web/web-1', ['A', 'B']],
  ])('%s → %j', (target, expected) => {
    expect(ids(target)).toEqual(expected);
  });

  test('an ambiguous or unknown bare name is an error naming the qualified forms', () => {
    expect(() => resolveLedgerTarget(entries, 'web')).toThrow(
      'web names several jobs: blog/web, shop/web',
    );
    expect(() => resolveLedgerTarget(entries, 'nope')).toThrow(
      /no service, job or task named nope/,
    );
    expect(() => resolveLedgerTarget(entries, 'a//b')).toThrow(/invalid target/);
  });

  test('images: what the tasks ran, else what the spec names, limited to the target', () => {
    expect(entryImages(entries[0]!)).toEqual(['web:1', 'redis:7']);
    expect(entryImages(entries[0]!, { service: 'shop', job: 'cache' })).toEqual(['redis:7']);
    expect(entryImages(entries[1]!)).toEqual(['web:1']);
    expect(entryImages(entry({ spec: null }))).toEqual([]);
  });
});
