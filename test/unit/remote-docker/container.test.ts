import { describe, expect, test } from 'vitest';
import {
  createArgv,
  dockerArgv,
  imagePresentArgv,
  inspectArgv,
  logsArgv,
  removeArgv,
  renameArgv,
  startArgv,
  stopArgv,
} from '../../../src/remote-docker/index.js';
import { shellJoin } from '../../../src/shared/quote.js';
import { webTask } from './task-fixture.js';

const opts = { inventory: 'production', version: '01JD0000000000000000000000' };

describe('createArgv', () => {
  test('a realistic task, as the remote shell receives it', () => {
    expect(shellJoin(createArgv(webTask(), opts))).toBe(
      'docker create --name coding-web-web-1' +
        ' --label deploy.service=coding --label deploy.job=web --label deploy.task=web-1 --label deploy.host=host-1' +
        ' --label deploy.inventory=production --label deploy.hash=sha256:abc123 --label deploy.version=01JD0000000000000000000000' +
        ` --label 'deploy.spec={"command":["/app/web","--port","80"],"cpus":1.5,"env":{"LOG_LEVEL":"info","REDIS_HOST":"cache.coding"},` +
        `"healthcheck":{"intervalMs":2000,"retries":15,"startPeriodMs":0,"test":["CMD-SHELL","wget -qO- http://localhost/health"],"timeoutMs":5000},` +
        `"image":"registry.example.com/coding/web:1.0.0","labels":{"team":"core"},"memoryBytes":536870912,"ports":["8080:80/tcp"],` +
        `"restart":"unless-stopped","secretHashes":{"DB_PASSWORD":"sha256:0f1e"},"secrets":["DB_PASSWORD"],"volumes":["/srv/web:/data"]}'` +
        ' --label team=core -e LOG_LEVEL=info -e REDIS_HOST=cache.coding --env-file /dev/stdin -p 8080:80/tcp -v /srv/web:/data' +
        ' --restart unless-stopped --cpus 1.5 --memory 536870912' +
        " --health-cmd 'wget -qO- http://localhost/health' --health-interval 2s --health-timeout 5s --health-retries 15 --health-start-period 0s" +
        ' --network deploy --network-alias web.coding registry.example.com/coding/web:1.0.0 /app/web --port 80',
    );
  });

  test('a minimal task: no secrets means no --env-file, no command means the image CMD', () => {
    const task = webTask({
      spec: {
        image: 'redis:7',
        env: {},
        secrets: [],
        ports: [],
        volumes: [],
        labels: {},
        restart: 'always',
      },
      secretHashes: {},
      hash: 'h',
      job: 'cache',
      task: 'host-1',
      container: 'coding-cache-host-1',
    });
    expect(
      createArgv(task, {
        inventory: 'staging',
        version: 'v1',
        name: 'coding-cache-host-1.new',
        pull: 'never',
      }),
    ).toEqual([
      'docker',
      'create',
      '--name',
      'coding-cache-host-1.new',
      '--pull',
      'never',
      '--label',
      'deploy.service=coding',
      '--label',
      'deploy.job=cache',
      '--label',
      'deploy.task=host-1',
      '--label',
      'deploy.host=host-1',
      '--label',
      'deploy.inventory=staging',
      '--label',
      'deploy.hash=h',
      '--label',
      'deploy.version=v1',
      '--label',
      'deploy.spec={"env":{},"image":"redis:7","labels":{},"ports":[],"restart":"always","secretHashes":{},"secrets":[],"volumes":[]}',
      '--restart',
      'always',
      '--network',
      'deploy',
      '--network-alias',
      'cache.coding',
      'redis:7',
    ]);
  });

  test.each([
    ['host', ['--network', 'host']],
    ['none', ['--network', 'none']],
    ['backend', ['--network', 'backend', '--network-alias', 'web.coding']],
  ])('network %s', (network, expected) => {
    const argv = createArgv(webTask({ spec: { ...webTask().spec, network } }), opts);
    const at = argv.indexOf('--network');
    expect(argv.slice(at, argv.indexOf('registry.example.com/coding/web:1.0.0', at))).toEqual(
      expected,
    );
  });

  test.each([
    ['none', ['--no-healthcheck']],
    [undefined, []],
    [
      {
        test: ['CMD', 'curl', '-f', 'http://localhost/a b'],
        intervalMs: 1500,
        timeoutMs: 5000,
        retries: 3,
        startPeriodMs: 10_000,
      },
      [
        '--health-cmd',
        "curl -f 'http://localhost/a b'",
        '--health-interval',
        '1500ms',
        '--health-timeout',
        '5s',
        '--health-retries',
        '3',
        '--health-start-period',
        '10s',
      ],
    ],
  ] as const)('healthcheck %j', (healthcheck, expected) => {
    const argv = createArgv(webTask({ spec: { ...webTask().spec, healthcheck } as never }), opts);
    const from = argv.indexOf('--memory') + 2;
    expect(argv.slice(from, argv.indexOf('--network'))).toEqual(expected);
  });

  test('user labels named deploy.* never override identity labels', () => {
    const argv = createArgv(
      webTask({ spec: { ...webTask().spec, labels: { 'deploy.hash': 'forged' } } }),
      opts,
    );
    expect(argv.filter((a) => a.startsWith('deploy.hash='))).toEqual(['deploy.hash=sha256:abc123']);
  });

  test('secret values and names never reach argv, only the spec label carries hashes', () => {
    const text = shellJoin(createArgv(webTask(), opts));
    expect(text).not.toMatch(/DB_PASSWORD=/);
    expect(text).toContain('"secretHashes":{"DB_PASSWORD":"sha256:0f1e"}');
  });
});

describe('container verbs', () => {
  test.each([
    [startArgv('coding-web-web-1'), 'docker start coding-web-web-1'],
    [stopArgv('coding-web-web-1'), 'docker stop coding-web-web-1'],
    [stopArgv('coding-web-web-1', 10), 'docker stop -t 10 coding-web-web-1'],
    [
      renameArgv('coding-web-web-1', 'coding-web-web-1.old'),
      'docker rename coding-web-web-1 coding-web-web-1.old',
    ],
    [removeArgv('coding-web-web-1'), 'docker rm coding-web-web-1'],
    [removeArgv('coding-web-web-1', { force: true }), 'docker rm -f coding-web-web-1'],
    [logsArgv('coding-web-web-1'), 'docker logs coding-web-web-1'],
    [
      logsArgv('coding-web-web-1', { tail: 30, since: '10m', follow: true, timestamps: true }),
      'docker logs --tail 30 --since 10m --follow --timestamps coding-web-web-1',
    ],
    [logsArgv('x', { tail: 'all' }), 'docker logs --tail all x'],
    [inspectArgv(['a', 'b.old']), 'docker inspect --type container a b.old'],
    [imagePresentArgv('redis:7'), "docker image inspect --format '{{.Id}}' redis:7"],
  ])('%j', (argv, expected) => {
    expect(shellJoin(argv)).toBe(expected);
  });

  test('remove never deletes volumes', () => {
    expect(removeArgv('x', { force: true })).not.toContain('-v');
  });
});

describe('dockerArgv', () => {
  test.each([
    [{ docker: 'docker', sudo: false }, 'docker ps -a'],
    [{ docker: '/usr/bin/docker', sudo: true }, 'sudo -n /usr/bin/docker ps -a'],
    [{ docker: '/opt/my docker/bin/docker', sudo: false }, "'/opt/my docker/bin/docker' ps -a"],
  ])('%j', (host, expected) => {
    expect(shellJoin(dockerArgv(host, ['docker', 'ps', '-a']))).toBe(expected);
  });

  test('refuses an argv that is not a docker command', () => {
    expect(() => dockerArgv({ docker: 'docker', sudo: true }, ['rm', '-rf', '.deploy'])).toThrow(
      /expected a docker argv/,
    );
  });
});
