import { describe, expect, it } from 'vitest';
import {
  loadProject,
  startOrder,
  stopOrder,
  CycleError,
  parseSize,
  parsePort,
  diffSpecs,
} from '../../../src/inventory/index.js';
import { exampleRepo } from './example.js';

const env = { SHOP_API_KEY: 'key-1', REGISTRY_PASSWORD: 'pass-1', HOME: '/home/u' };

describe('the example service against the sandbox inventory', () => {
  it('expands tasks, merges overrides, applies defaults and orders jobs', async () => {
    const project = await loadProject({ dir: exampleRepo(), env });
    expect(project.inventory.name).toBe('sandbox');
    expect(project.inventory.hosts.h1).toMatchObject({
      address: '127.0.0.11',
      user: 'root',
      port: 22,
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
      docker: 'docker',
      sudo: false,
    });
    expect(project.inventory.hosts.h1!.identityFile).toBe(
      `${project.dir}/.sandbox/client/id_ed25519`,
    );
    const shop = project.services[0]!;
    expect(shop.service).toBe('shop');
    expect(shop.jobs.map((j) => j.job)).toEqual(['cache', 'web', 'worker']);
    const web = shop.jobs.find((j) => j.job === 'web')!;
    expect(web.dependsOn).toEqual(['cache']);
    expect(web.update).toEqual({
      parallelism: 1,
      order: 'stop-first',
      delayMs: 0,
      monitorMs: 3000,
      failureAction: 'rollback',
    });
    expect(web.tasks.map((t) => [t.task, t.host, t.container])).toEqual([
      ['web-1', 'h1', 'shop-web-web-1'],
      ['web-2', 'h2', 'shop-web-web-2'],
    ]);
    const [w1, w2] = web.tasks;
    expect(w1!.spec).toEqual({
      image: '127.0.0.1:5000/web:1',
      env: { LOG_LEVEL: 'info', CACHE_HOST: 'cache.shop' },
      secrets: ['SHOP_API_KEY'],
      ports: ['8080:80/tcp'],
      volumes: [],
      labels: { team: 'shop' },
      restart: 'unless-stopped',
      cpus: 0.5,
      memoryBytes: 64 * 1024 * 1024,
      healthcheck: {
        test: ['CMD-SHELL', 'wget -qO- http://localhost/health'],
        intervalMs: 2000,
        timeoutMs: 2000,
        retries: 15,
        startPeriodMs: 0,
      },
    });
    expect(w2!.spec.env).toEqual({ LOG_LEVEL: 'debug', CACHE_HOST: 'cache.shop' });
    expect(diffSpecs(w1!.spec, w2!.spec)).toEqual(['env.LOG_LEVEL']);
    expect(w1!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(w1!.hash).not.toBe(w2!.hash);
    const cache = shop.jobs.find((j) => j.job === 'cache')!;
    expect(cache.tasks.map((t) => t.task)).toEqual(['h1', 'h2', 'h3']);
    expect(cache.tasks[0]!.spec.healthcheck).toEqual({
      test: ['CMD-SHELL', 'wget -qO- http://localhost/health'],
      intervalMs: 2000,
      timeoutMs: 5000,
      retries: 10,
      startPeriodMs: 0,
    });
    const worker = shop.jobs.find((j) => j.job === 'worker')!;
    expect(worker.tasks.map((t) => t.host)).toEqual(['h3']);
    expect(worker.tasks[0]!.spec.healthcheck).toBe('none');
    expect(worker.tasks[0]!.spec.command).toEqual([
      'sh',
      '-c',
      "trap 'exit 0' TERM; while :; do sleep 1; done",
    ]);
    expect(project.secrets.SHOP_API_KEY!.reveal()).toBe('key-1');
    expect(project.inventory.registry).toEqual({
      server: '127.0.0.1:5000',
      username: 'deploy',
      passwordSecret: 'REGISTRY_PASSWORD',
    });
  });

  it('the hash is the same across loads and changes with the tag', async () => {
    const dir = exampleRepo();
    const a = await loadProject({ dir, env });
    const b = await loadProject({ dir, env });
    const c = await loadProject({ dir, env: { ...env, WEB_TAG: '2' } });
    const hash = (p: typeof a): string =>
      p.services[0]!.jobs.find((j) => j.job === 'web')!.tasks[0]!.hash;
    expect(hash(a)).toBe(hash(b));
    expect(hash(c)).not.toBe(hash(a));
  });
});

describe('dependency order', () => {
  const items = [
    { name: 'web', dependsOn: ['cache', 'db'] },
    { name: 'cache', dependsOn: [] },
    { name: 'worker', dependsOn: ['web'] },
    { name: 'db', dependsOn: [] },
  ];
  it('starts dependencies first and stops dependants first', () => {
    expect(startOrder(items).map((i) => i.name)).toEqual(['cache', 'db', 'web', 'worker']);
    expect(stopOrder(items).map((i) => i.name)).toEqual(['worker', 'web', 'db', 'cache']);
  });
  it('throws a CycleError printing the cycle', () => {
    expect(() =>
      startOrder([
        { name: 'a', dependsOn: ['b'] },
        { name: 'b', dependsOn: ['c'] },
        { name: 'c', dependsOn: ['a'] },
      ]),
    ).toThrow(new CycleError(['a', 'b', 'c', 'a']));
    expect(() =>
      startOrder([
        { name: 'a', dependsOn: ['b'] },
        { name: 'b', dependsOn: ['a'] },
      ]),
    ).toThrow('dependency cycle: a -> b -> a');
  });
});

describe('normalisation', () => {
  it.each([
    ['512m', 536870912],
    ['1g', 1073741824],
    ['64k', 65536],
    ['100', 100],
    [2048, 2048],
    ['1.5g', 1610612736],
    ['12x', undefined],
    ['', undefined],
    [-1, undefined],
  ] as const)('parseSize(%s) = %s', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([
    ['8080:80', '8080:80/tcp'],
    [80, '80/tcp'],
    ['127.0.0.1:8080:80/udp', '127.0.0.1:8080:80/udp'],
    ['[::1]:53:53/udp', '[::1]:53:53/udp'],
    ['80:99999', undefined],
    ['0:80', undefined],
    ['http', undefined],
  ] as const)('parsePort(%s) = %s', (input, normalized) => {
    expect(parsePort(input)?.normalized).toBe(normalized);
  });
});
