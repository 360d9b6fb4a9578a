import { describe, expect, test } from 'vitest';
import type { ResolvedTask, TaskSpec } from '../../../src/inventory/model.js';
import type { ContainerState, ObservedContainer } from '../../../src/remote-docker/index.js';
import { planTasks, specDiff, type Action, type PlanInput } from '../../../src/tasks/plan.js';

const SPEC: TaskSpec = {
  image: 'reg/coding/web:2',
  env: { LOG_LEVEL: 'info' },
  secrets: ['DB_PASSWORD'],
  ports: ['8080:80/tcp'],
  volumes: ['/srv/web:/data'],
  labels: { team: 'core' },
  restart: 'unless-stopped',
};

function task(name = 'web-1', host = 'host-1', spec: TaskSpec = SPEC, hash = 'H2'): ResolvedTask {
  return {
    service: 'coding',
    job: 'web',
    task: name,
    host,
    container: `coding-web-${name}`,
    spec,
    secretHashes: { DB_PASSWORD: 'sha256:s1' },
    hash,
  };
}

function container(
  over: Partial<ObservedContainer> & { state?: ContainerState } = {},
): ObservedContainer {
  const name = over.task ?? 'web-1';
  return {
    id: `id-${over.name ?? `coding-web-${name}`}-${over.hash ?? 'H2'}`,
    name: `coding-web-${name}`,
    service: 'coding',
    job: 'web',
    task: name,
    host: 'host-1',
    inventory: 'production',
    hash: 'H2',
    version: '01JOLD',
    spec: SPEC,
    secretHashes: { DB_PASSWORD: 'sha256:s1' },
    image: SPEC.image,
    imageId: 'sha256:i',
    state: 'running',
    health: 'none',
    restartCount: 0,
    exitCode: 0,
    labels: {},
    ...over,
  };
}

const OLD_SPEC: TaskSpec = { ...SPEC, image: 'reg/coding/web:1' };
const old = (over: Partial<ObservedContainer> = {}) =>
  container({ hash: 'H1', spec: OLD_SPEC, image: OLD_SPEC.image, ...over });

function plan(
  mode: PlanInput['mode'],
  observed: ObservedContainer[],
  extra: Partial<PlanInput> = {},
) {
  return planTasks({
    mode,
    inventory: 'production',
    desired: [task()],
    observed: { 'host-1': observed },
    knownTasks: new Set(['coding/web/web-1@host-1', 'coding/web/web-2@host-2']),
    ...extra,
  });
}

type Row = [string, ObservedContainer[], Action, string[], boolean];

describe('SPEC §7.2 table', () => {
  // [found on the host, observed, action, reasons, drift]
  const up: Row[] = [
    ['no container', [], 'create', ['missing'], false],
    ['desired hash, running', [container()], 'unchanged', [], false],
    [
      'desired hash, restarting',
      [container({ state: 'restarting' })],
      'unchanged',
      ['restarting'],
      false,
    ],
    ['desired hash, created', [container({ state: 'created' })], 'start', ['created'], false],
    ['desired hash, exited', [container({ state: 'exited' })], 'start', ['exited'], false],
    [
      'other hash, running',
      [old()],
      'unchanged',
      ['image: reg/coding/web:1 → reg/coding/web:2'],
      true,
    ],
    [
      'other hash, exited',
      [old({ state: 'exited' })],
      'replace',
      ['image: reg/coding/web:1 → reg/coding/web:2', 'exited'],
      true,
    ],
    [
      'other hash, created',
      [old({ state: 'created' })],
      'replace',
      ['image: reg/coding/web:1 → reg/coding/web:2', 'created'],
      true,
    ],
    ['desired hash, dead', [container({ state: 'dead' })], 'replace', ['dead'], false],
    ['desired hash, paused', [container({ state: 'paused' })], 'unchanged', ['paused'], false],
  ];
  test.each(up)('up: %s', (_found, observed, action, reasons, drift) => {
    const [t] = plan('up', observed).tasks;
    expect({ action: t!.action, reasons: t!.reasons, drift: t!.drift }).toEqual({
      action,
      reasons,
      drift,
    });
  });

  const update: Row[] = [
    ['no container', [], 'create', ['missing'], false],
    ['desired hash, running', [container()], 'unchanged', [], false],
    [
      'desired hash, restarting',
      [container({ state: 'restarting' })],
      'unchanged',
      ['restarting'],
      false,
    ],
    ['desired hash, created', [container({ state: 'created' })], 'start', ['created'], false],
    ['desired hash, exited', [container({ state: 'exited' })], 'start', ['exited'], false],
    [
      'other hash, running',
      [old()],
      'replace',
      ['image: reg/coding/web:1 → reg/coding/web:2'],
      true,
    ],
    [
      'other hash, restarting',
      [old({ state: 'restarting' })],
      'replace',
      ['image: reg/coding/web:1 → reg/coding/web:2'],
      true,
    ],
    [
      'other hash, exited',
      [old({ state: 'exited' })],
      'replace',
      ['image: reg/coding/web:1 → reg/coding/web:2', 'exited'],
      true,
    ],
  ];
  test.each(update)('update: %s', (_found, observed, action, reasons, drift) => {
    const [t] = plan('update', observed).tasks;
    expect({ action: t!.action, reasons: t!.reasons, drift: t!.drift }).toEqual({
      action,
      reasons,
      drift,
    });
  });

  test('the planned task carries the containers and the desired task', () => {
    const current = old();
    const [t] = plan('update', [current]).tasks;
    expect(t).toMatchObject({
      service: 'coding',
      job: 'web',
      task: 'web-1',
      host: 'host-1',
      container: 'coding-web-web-1',
      current,
      desired: task(),
    });
  });
});

describe('idempotency', () => {
  test('everything running at the desired hash: an all-unchanged plan', () => {
    const desired = [task('web-1'), task('web-2', 'host-2')];
    const p = planTasks({
      mode: 'update',
      inventory: 'production',
      desired,
      observed: {
        'host-1': [container()],
        'host-2': [container({ task: 'web-2', host: 'host-2' })],
      },
      knownTasks: new Set(['coding/web/web-1@host-1', 'coding/web/web-2@host-2']),
    });
    expect(p.tasks.map((t) => t.action)).toEqual(['unchanged', 'unchanged']);
    expect(p.orphans).toEqual([]);
    expect(p.foreign).toEqual([]);
  });
});

describe('leftover <name>.old from a killed run', () => {
  const leftover = old({ name: 'coding-web-web-1.old', state: 'exited' });

  test.each([
    ['up', 'create'],
    ['update', 'create'],
  ] as const)('%s: new container missing → %s, the .old reported', (mode, action) => {
    const [t] = plan(mode, [leftover]).tasks;
    expect(t).toMatchObject({
      action,
      reasons: ['missing', 'leftover coding-web-web-1.old'],
      leftoverOld: leftover,
    });
    expect(t!.current).toBeUndefined();
  });

  test('update: new container created but never started → start, .old still reported', () => {
    const [t] = plan('update', [container({ state: 'created' }), leftover]).tasks;
    expect(t).toMatchObject({
      action: 'start',
      reasons: ['created', 'leftover coding-web-web-1.old'],
      leftoverOld: leftover,
    });
  });

  test('a leftover is never an orphan', () => {
    expect(plan('update', [leftover]).orphans).toEqual([]);
  });
});

describe('force', () => {
  test('update --force replaces tasks that would be unchanged, and only those need it', () => {
    expect(plan('update', [container()], { force: true }).tasks[0]).toMatchObject({
      action: 'replace',
      reasons: ['forced'],
    });
    expect(plan('update', [container({ state: 'exited' })], { force: true }).tasks[0]!.action).toBe(
      'start',
    );
    expect(plan('update', [], { force: true }).tasks[0]!.action).toBe('create');
  });
});

describe('down', () => {
  test.each([
    ['running', [container()], 'remove', ['down']],
    ['exited at another hash', [old({ state: 'exited' })], 'remove', ['down']],
    [
      'with a leftover .old',
      [container(), old({ name: 'coding-web-web-1.old' })],
      'remove',
      ['down', 'leftover coding-web-web-1.old'],
    ],
    [
      'only a leftover .old',
      [old({ name: 'coding-web-web-1.old' })],
      'remove',
      ['down', 'leftover coding-web-web-1.old'],
    ],
    ['missing', [], 'unchanged', ['missing']],
  ] as const)('%s → %s', (_n, observed, action, reasons) => {
    const [t] = plan('down', [...observed]).tasks;
    expect({ action: t!.action, reasons: t!.reasons }).toEqual({ action, reasons });
  });

  test('down SERVICE also removes that service orphans, not other services', () => {
    const gone = container({ task: 'web-9', name: 'coding-web-web-9' });
    const otherService = container({
      service: 'mysql',
      job: 'db',
      task: 'db-1',
      name: 'mysql-db-db-1',
    });
    const p = plan('down', [container(), gone, otherService], { orphanServices: ['coding'] });
    expect(p.tasks.map((t) => [t.container, t.action, t.orphan ?? false, t.reasons])).toEqual([
      ['coding-web-web-1', 'remove', false, ['down']],
      [
        'coding-web-web-9',
        'remove',
        true,
        ['orphan: task coding/web/web-9 is no longer in the files'],
      ],
    ]);
    expect(p.orphans.map((o) => o.name)).toEqual(['coding-web-web-9', 'mysql-db-db-1']);
  });
});

describe('orphans and foreign containers', () => {
  test('a task the files no longer have is an orphan, listed but not removed without orphanServices', () => {
    const gone = container({ task: 'web-9', name: 'coding-web-web-9' });
    const p = plan('update', [container(), gone]);
    expect(p.orphans).toEqual([gone]);
    expect(p.tasks.map((t) => t.container)).toEqual(['coding-web-web-1']);
  });

  test('update --prune: the orphan becomes a remove task', () => {
    const gone = container({ task: 'web-9', name: 'coding-web-web-9' });
    const p = plan('update', [container(), gone], { orphanServices: ['coding'] });
    expect(p.tasks.map((t) => [t.container, t.action])).toEqual([
      ['coding-web-web-1', 'unchanged'],
      ['coding-web-web-9', 'remove'],
    ]);
  });

  test('a host removed from the inventory: its container is an orphan with that reason', () => {
    const moved = container({ host: 'host-old' });
    const p = plan('update', [moved], { orphanServices: ['coding'] });
    expect(p.orphans).toEqual([moved]);
    expect(p.tasks[0]).toMatchObject({ action: 'create', reasons: ['missing'] });
    expect(p.tasks[1]).toMatchObject({
      action: 'remove',
      orphan: true,
      reasons: ['orphan: host host-old is no longer in the inventory'],
    });
  });

  test('another inventory container is foreign: never planned, even holding the task name', () => {
    const staging = container({ inventory: 'staging' });
    const p = plan('update', [staging], { orphanServices: ['coding'] });
    expect(p.foreign).toEqual([staging]);
    expect(p.orphans).toEqual([]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({
      action: 'create',
      reasons: ['missing', 'name held by a container of inventory staging'],
    });
    expect(p.tasks[0]!.current).toBeUndefined();
  });

  test('one engine shared by two inventory hosts: each container counts for its own host, listed once', () => {
    const a = container();
    const b = container({ task: 'web-2', host: 'host-2' });
    const gone = container({ task: 'web-9' });
    const shared = [a, b, gone];
    const p = planTasks({
      mode: 'update',
      inventory: 'production',
      desired: [task('web-1'), task('web-2', 'host-2')],
      observed: { 'host-1': shared, 'host-2': shared },
      knownTasks: new Set(['coding/web/web-1@host-1', 'coding/web/web-2@host-2']),
    });
    expect(p.tasks.map((t) => [t.task, t.action, t.current?.id])).toEqual([
      ['web-1', 'unchanged', a.id],
      ['web-2', 'unchanged', b.id],
    ]);
    expect(p.orphans).toEqual([gone]);
  });

  test('a host that could not be read yields no orphans and no plan rows of its own', () => {
    const p = planTasks({
      mode: 'update',
      inventory: 'production',
      desired: [task()],
      observed: {},
      knownTasks: new Set(),
    });
    expect(p.tasks[0]!.action).toBe('create');
    expect(p.orphans).toEqual([]);
  });
});

describe('reasons: which fields differ', () => {
  const observedWith = (
    spec: TaskSpec,
    secretHashes: Record<string, string> = { DB_PASSWORD: 'sha256:s1' },
  ) => container({ hash: 'OLD', spec, secretHashes });

  test.each([
    [
      'image',
      { ...SPEC, image: 'reg/coding/web:1' },
      undefined,
      ['image: reg/coding/web:1 → reg/coding/web:2'],
    ],
    ['env value', { ...SPEC, env: { LOG_LEVEL: 'debug' } }, undefined, ['env.LOG_LEVEL changed']],
    [
      'env added and removed',
      { ...SPEC, env: { OLD: 'x', LOG_LEVEL: 'info' } },
      undefined,
      ['env.OLD removed'],
    ],
    [
      'secret value (by hash only)',
      SPEC,
      { DB_PASSWORD: 'sha256:s0' },
      ['secrets.DB_PASSWORD changed'],
    ],
    ['secret added', { ...SPEC, secrets: [] }, {}, ['secrets.DB_PASSWORD added']],
    ['ports', { ...SPEC, ports: ['8081:80/tcp'] }, undefined, ['ports: 8081:80/tcp → 8080:80/tcp']],
    ['volumes', { ...SPEC, volumes: [] }, undefined, ['volumes: none → /srv/web:/data']],
    ['labels', { ...SPEC, labels: {} }, undefined, ['labels.team added']],
    ['restart', { ...SPEC, restart: 'always' }, undefined, ['restart: always → unless-stopped']],
    [
      'cpus and memory',
      { ...SPEC, cpus: 2, memoryBytes: 1024 },
      undefined,
      ['cpus: 2 → unset', 'memory: 1024 → unset'],
    ],
    ['command', { ...SPEC, command: ['/bin/old'] }, undefined, ['command changed']],
    ['healthcheck', { ...SPEC, healthcheck: 'none' as const }, undefined, ['healthcheck changed']],
    ['network', { ...SPEC, network: 'host' }, undefined, ['network: host → deploy']],
    ['nothing visible (e.g. a hash algorithm change)', SPEC, undefined, ['hash changed']],
  ])('%s', (_n, was, secretHashes, expected) => {
    expect(specDiff(task(), observedWith(was, secretHashes))).toEqual(expected);
  });

  test('no readable deploy.spec label', () => {
    const c = container({ hash: 'OLD' });
    delete c.spec;
    expect(specDiff(task(), c)).toEqual([
      'spec changed (the container has no readable deploy.spec label)',
    ]);
  });

  test('reasons never carry env or secret values', () => {
    const was = { ...SPEC, env: { LOG_LEVEL: 'hunter2-env' } };
    const text = specDiff(task(), observedWith(was, { DB_PASSWORD: 'sha256:hunter2' })).join(' ');
    expect(text).not.toContain('hunter2');
  });
});
