import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  OBSERVE_SCRIPT,
  listArgv,
  observeArgv,
  parseListed,
  parseObserved,
  uptimeFromStatus,
  parseSpecLabel,
  ensureNetworkArgv,
  ENSURE_NETWORK_SCRIPT,
} from '../../../src/remote-docker/index.js';

// Captured from dockerd 20.10.24 (client 20.10): see README of this folder's fixtures.
const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('observeArgv', () => {
  test.each([
    [{ docker: 'docker', sudo: false }, ['sh', '-c', OBSERVE_SCRIPT, 'sh', 'docker']],
    [
      { docker: '/usr/bin/docker', sudo: true },
      ['sh', '-c', OBSERVE_SCRIPT, 'sh', 'sudo', '-n', '/usr/bin/docker'],
    ],
  ])('%j', (host, expected) => {
    expect(observeArgv(host)).toEqual(expected);
  });

  test('the script is a constant that only reads by the deploy label', () => {
    expect(OBSERVE_SCRIPT).toContain('ps -aq --no-trunc --filter label=deploy.service');
    expect(OBSERVE_SCRIPT).toContain('inspect --type container $ids');
    expect(OBSERVE_SCRIPT).toContain('set -f');
  });

  test('ensureNetworkArgv passes the network and docker as arguments', () => {
    expect(ensureNetworkArgv({ docker: 'docker', sudo: true })).toEqual([
      'sh',
      '-c',
      ENSURE_NETWORK_SCRIPT,
      'sh',
      'deploy',
      'sudo',
      '-n',
      'docker',
    ]);
  });
});

describe('parseObserved on real docker inspect output', () => {
  const all = parseObserved(fixture('inspect-staging.json'));
  const byName = Object.fromEntries(all.map((c) => [c.name, c]));

  test('every deploy container, names without the leading slash', () => {
    expect(all.map((c) => c.name).sort()).toEqual([
      'other-x-x1',
      'shop-bad-b1',
      'shop-cache-c1',
      'shop-web-web-1',
      'shop-web-web-1.old',
    ]);
  });

  test('a healthy running task with its labels, spec and health log', () => {
    const c = byName['shop-web-web-1']!;
    expect(c).toMatchObject({
      service: 'shop',
      job: 'web',
      task: 'web-1',
      host: 'host-1',
      inventory: 'staging',
      hash: 'h1',
      version: '01JVERSION',
      image: 'base:1',
      state: 'running',
      health: 'healthy',
      restartCount: 0,
      exitCode: 0,
    });
    expect(c.id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(c.finishedAt).toBeUndefined();
    expect(c.healthLog).toEqual(['ok\n', 'ok\n', 'ok\n', 'ok\n', 'ok\n']);
    expect(c.healthcheck).toEqual({
      test: ['CMD-SHELL', 'test -d /data && echo ok'],
      intervalMs: 1000,
      timeoutMs: 2000,
      retries: 2,
      startPeriodMs: 0,
    });
    expect(c.spec?.env.HOSTILE).toBe(`it's "q" $(id) \`id\` ; rm -rf / \n line2 * ünï€ 🚀 \\ end`);
    expect(c.spec?.secrets).toEqual(['DB_PASSWORD', 'API_TOKEN']);
    expect(c.secretHashes).toEqual({ DB_PASSWORD: 'sha256:aaa', API_TOKEN: 'sha256:bbb' });
    expect(c.labels.weird).toContain('$(id)');
  });

  test('nothing of the container environment (where secrets live) is kept', () => {
    expect(JSON.stringify(all)).not.toContain('p@ss');
  });

  test.each([
    ['shop-bad-b1', { state: 'running', health: 'unhealthy' }],
    ['shop-cache-c1', { state: 'restarting', health: 'none', exitCode: 3 }],
    ['shop-web-web-1.old', { state: 'created', health: 'none', hash: 'h0', task: 'web-1' }],
    ['other-x-x1', { state: 'created', inventory: 'production', service: 'other' }],
  ])('%s', (name, expected) => {
    expect(byName[name]).toMatchObject(expected);
  });

  test('a CMD-list check was passed shell-joined and runs as CMD-SHELL', () => {
    expect(byName['shop-bad-b1']!.healthcheck?.test).toEqual([
      'CMD-SHELL',
      `sh -c 'echo "nope $0"; exit 1'`,
    ]);
    expect(byName['shop-bad-b1']!.healthLog?.at(-1)).toBe('nope sh\n');
  });

  test('healthcheck none: no check in effect', () => {
    expect(byName['shop-web-web-1.old']!.healthcheck).toBeUndefined();
    expect(byName['shop-web-web-1.old']!.spec?.healthcheck).toBe('none');
  });

  test('a stopped task is exited with a finish time', () => {
    const c = parseObserved(fixture('inspect-after-stop.json')).find(
      (x) => x.name === 'shop-web-web-1',
    )!;
    expect(c).toMatchObject({ state: 'exited', health: 'unhealthy', exitCode: 0 });
    expect(c.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('parseObserved tolerance', () => {
  test.each([
    ['empty output', '', 0],
    ['no containers', '[]\n', 0],
    ['no deploy labels', '[{"Id":"x","Name":"/x","Config":{"Labels":{"a":"b"}}}]', 0],
    ['labels null', '[{"Id":"x","Config":{"Labels":null}}]', 0],
    ['garbage entries', '[null, 1, "s", [], {}]', 0],
  ])('%s', (_n, text, count) => {
    expect(parseObserved(text)).toHaveLength(count);
  });

  test('minimal container: unknown state, no health, garbage spec label', () => {
    const [c] = parseObserved(
      JSON.stringify([
        {
          Id: 'abc',
          Name: '/s-j-t',
          Image: 'sha256:1',
          Extra: { x: 1 },
          State: { Status: 'removing', Health: { Status: 'weird' } },
          Config: {
            Image: 'i:1',
            Labels: { 'deploy.service': 's', 'deploy.spec': '{"image": 5}' },
          },
        },
      ]),
    );
    expect(c).toMatchObject({
      id: 'abc',
      name: 's-j-t',
      service: 's',
      job: '',
      state: 'dead',
      health: 'none',
      image: 'i:1',
      restartCount: 0,
    });
    expect(c?.spec).toBeUndefined();
  });

  test('malformed JSON throws (the caller reports the host)', () => {
    expect(() => parseObserved('[{')).toThrow();
    expect(() => parseObserved('{"a":1}')).toThrow(/array/);
  });

  test.each([['not json'], ['[]'], ['{"image":"x","env":{"A":1}}'], [undefined]])(
    'parseSpecLabel(%j) is undefined',
    (text) => {
      expect(parseSpecLabel(text)).toBeUndefined();
    },
  );

  test('parseSpecLabel fills defaults from an older, smaller label', () => {
    expect(parseSpecLabel('{"image":"x:1","future":true}')).toEqual({
      spec: {
        image: 'x:1',
        env: {},
        secrets: [],
        ports: [],
        volumes: [],
        labels: {},
        restart: 'unless-stopped',
      },
      secretHashes: {},
    });
  });
});

describe('the light read (listArgv): one docker ps, enough to plan', () => {
  const listed = parseListed(fixture('ps-list-28.jsonl'));
  const inspected = parseObserved(fixture('inspect-28.json'));
  const planning = (c: (typeof listed)[number]) => ({
    id: c.id,
    name: c.name,
    service: c.service,
    job: c.job,
    task: c.task,
    host: c.host,
    inventory: c.inventory,
    hash: c.hash,
    version: c.version,
    spec: c.spec,
    secretHashes: c.secretHashes,
    image: c.image,
    state: c.state,
    // docker keeps the last health of a stopped container in inspect; ps shows none.
    health: c.state === 'running' ? c.health : 'n/a',
    exitCode: c.exitCode,
    networks: c.networks,
  });

  test('agrees with docker inspect on every field planning uses', () => {
    expect(listed).toHaveLength(4);
    for (const c of listed) {
      const full = inspected.find((x) => x.id === c.id)!;
      expect(planning(c)).toEqual(planning(full));
    }
  });

  test('states, health, exit code and networks of the four containers', () => {
    const byTask = Object.fromEntries(listed.map((c) => [c.task, c]));
    expect(byTask.one).toMatchObject({ state: 'running', health: 'healthy', networks: ['deploy'] });
    expect(byTask.one!.spec?.labels).toEqual({ 'a,b': 'x=y, z' });
    expect(byTask.two).toMatchObject({ state: 'exited', exitCode: 3, health: 'none' });
    expect(byTask.three).toMatchObject({ state: 'created', health: 'none' });
    expect(byTask.four).toMatchObject({ state: 'running', health: 'unhealthy' });
  });

  test('reads only deploy containers, by the deploy label', () => {
    expect(listArgv().slice(0, 6)).toEqual([
      'docker',
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      'label=deploy.service',
    ]);
    expect(parseListed('\n')).toEqual([]);
  });
});

describe("uptimeFromStatus: docker's rounded uptime back in ms", () => {
  test.each([
    ['Up Less than a second', 0],
    ['Up 1 second', 1000],
    ['Up 42 seconds (healthy)', 42_000],
    ['Up About a minute', 60_000],
    ['Up 5 minutes (health: starting)', 300_000],
    ['Up About an hour (Paused)', 3_600_000],
    ['Up 3 hours', 10_800_000],
    ['Up 2 days', 172_800_000],
    ['Up 3 weeks', 1_814_400_000],
    ['Up 4 months', 10_368_000_000],
    ['Up 2 years', 63_072_000_000],
    ['Exited (0) 3 minutes ago', undefined],
    ['Created', undefined],
    ['Restarting (1) 2 seconds ago', undefined],
    ['Up forever', undefined],
  ])('%s', (status, ms) => {
    expect(uptimeFromStatus(status)).toBe(ms);
  });

  test('a light read carries it for running containers only, and says it is light', () => {
    const listed = parseListed(fixture('ps-list-28.jsonl'));
    for (const c of listed) {
      expect(c.light).toBe(true);
      expect(c.uptimeMs === undefined).toBe(c.state !== 'running');
    }
  });
});
