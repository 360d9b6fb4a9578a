/**
 * Every --json document against a zod schema of SPEC §3's shapes, on the test bed.
 * More keys are allowed (the schemas are loose); the named ones must be there and typed.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { z } from 'zod';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const [h1, h2] = sb.hosts;

const job = `service: shapes
jobs:
  web:
    image: \${vars.registry}/web:1
    tasks: { a: { host: ${h1!.name} }, b: { host: ${h2!.name} } }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, retries: 5 }
    update: { monitor: 0s }
`;

const ref = { service: z.string(), job: z.string(), task: z.string(), host: z.string() };
const action = z.enum(['create', 'start', 'replace', 'unchanged', 'remove']);
const outcome = z.enum(['ok', 'failed', 'rolled_back', 'skipped', 'unreachable', 'interrupted']);
const mutation = z.looseObject({
  ok: z.boolean(),
  entry: z.string().nullable(),
  tasks: z.array(z.looseObject({ ...ref, action, outcome, error: z.string().nullable() })),
});
const status = z.looseObject({
  tasks: z.array(
    z.looseObject({
      ...ref,
      container: z.string(),
      image: z.string().nullable(),
      state: z.enum([
        'running',
        'exited',
        'restarting',
        'created',
        'paused',
        'dead',
        'missing',
        'unknown',
      ]),
      health: z.enum(['healthy', 'unhealthy', 'starting', 'none']),
      drift: z.boolean(),
      drift_fields: z.array(z.string()),
      orphan: z.boolean(),
    }),
  ),
  hosts: z.array(
    z.looseObject({ host: z.string(), reachable: z.boolean(), error: z.string().nullable() }),
  ),
});
const plan = z.looseObject({
  tasks: z.array(z.looseObject({ ...ref, action, reasons: z.array(z.string()) })),
});
const history = z.looseObject({
  entries: z.array(
    z.looseObject({
      id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      run: z.string(),
      time: z.iso.datetime(),
      user: z.string(),
      action: z.enum(['push', 'up', 'update', 'down', 'rollback']),
      targets: z.array(z.string()),
      inventory: z.string(),
      config_commit: z.string().nullable(),
      config_dirty: z.boolean().nullable(),
      spec: z.unknown(),
      tasks: z.array(
        z.looseObject({
          task: z.string(),
          host: z.string(),
          image: z.string(),
          hash: z.string(),
          container_id: z.string().nullable(),
          action: z.string(),
          outcome: z.string(),
          error: z.string().nullable(),
        }),
      ),
      outcome: z.string(),
      duration_ms: z.number().int().nonnegative(),
      tool_version: z.string(),
    }),
  ),
});
const stats = z.looseObject({
  hosts: z.array(
    z.looseObject({
      host: z.string(),
      cpus: z.number(),
      load1: z.number(),
      load5: z.number(),
      load15: z.number(),
      mem_total: z.number().int(),
      mem_used: z.number().int(),
      disks: z.array(z.looseObject({ mount: z.string(), size: z.number(), used: z.number() })),
      docker: z.record(z.string(), z.unknown()),
      containers: z.array(
        z.looseObject({ name: z.string(), cpu_percent: z.number(), mem_used: z.number() }),
      ),
    }),
  ),
});
const configErrors = z.looseObject({
  ok: z.literal(false),
  errors: z
    .array(
      z.looseObject({
        file: z.string(),
        line: z.number().int(),
        col: z.number().int(),
        path: z.string(),
        message: z.string(),
      }),
    )
    .min(1),
});

function parse<T>(schema: z.ZodType<T>, stdout: string): T {
  const doc: unknown = JSON.parse(stdout); // exactly one document: JSON.parse fails on two
  return schema.parse(doc);
}

describe('--json shapes (SPEC §3)', () => {
  let repo: string;
  beforeAll(() => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { shapes: job }, hosts: [h1!.name, h2!.name] });
  });
  afterAll(() => cleanup(sb));

  test('up, status, plan, history, stats, update, down', async () => {
    const up = await runDeploy(['up', '--json'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
    const upDoc = parse(mutation, up.stdout);
    expect(upDoc.tasks.map((t) => t.action)).toEqual(['create', 'create']);

    const st = await runDeploy(['status', '--json'], { cwd: repo });
    expect(st.code, st.stderr).toBe(0);
    const stDoc = parse(status, st.stdout);
    expect(stDoc.tasks.map((t) => [t.task, t.state, t.drift])).toEqual([
      ['a', 'running', false],
      ['b', 'running', false],
    ]);
    expect(stDoc.hosts.every((h) => h.reachable)).toBe(true);

    const pl = await runDeploy(['plan', '--json'], { cwd: repo });
    expect(pl.code, pl.stderr).toBe(0);
    expect(parse(plan, pl.stdout).tasks.map((t) => t.action)).toEqual(['unchanged', 'unchanged']);

    const hi = await runDeploy(['history', '--json'], { cwd: repo });
    expect(hi.code, hi.stderr).toBe(0);
    const hiDoc = parse(history, hi.stdout);
    expect(hiDoc.entries.map((e) => [e.id, e.action])).toEqual([[upDoc.entry, 'up']]);

    const sta = await runDeploy(['stats', '--json', h1!.name], { cwd: repo });
    expect(sta.code, sta.stderr).toBe(0);
    expect(parse(stats, sta.stdout).hosts).toHaveLength(1);

    const upd = await runDeploy(['update', '--json', '--force'], { cwd: repo });
    expect(upd.code, upd.stderr).toBe(0);
    expect(parse(mutation, upd.stdout).tasks.map((t) => [t.action, t.outcome])).toEqual([
      ['replace', 'ok'],
      ['replace', 'ok'],
    ]);

    const down = await runDeploy(['down', 'all', '--yes', '--json'], { cwd: repo });
    expect(down.code, down.stderr).toBe(0);
    expect(parse(mutation, down.stdout).tasks.map((t) => [t.action, t.outcome])).toEqual([
      ['remove', 'ok'],
      ['remove', 'ok'],
    ]);
  });

  test('a config error: exit 2 and {ok:false, errors:[{file,line,col,path,message}]}', async () => {
    const bad = makeRepo(sb, {
      jobs: { shapes: job.replace('image:', 'imaeg:') },
      hosts: [h1!.name, h2!.name],
    });
    const res = await runDeploy(['status', '--json'], { cwd: bad });
    expect(res.code).toBe(2);
    const doc = parse(configErrors, res.stdout);
    expect(doc.errors).toContainEqual(
      expect.objectContaining({
        file: 'jobs/shapes.yml',
        line: 4,
        col: 5,
        message: expect.stringMatching(/did you mean .?image/),
      }),
    );
  });

  test('an unreachable host: status exits 3, JSON still one document naming the host', async () => {
    const off = makeRepo(sb, { jobs: { shapes: job }, hosts: [h1!.name, h2!.name] });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const inv = `${off}/inventories/test.yml`;
    // A port nothing listens on stands for a dead host.
    writeFileSync(
      inv,
      readFileSync(inv, 'utf8').replace(
        `address: ${h2!.address}`,
        `address: ${h2!.address}, port: 1`,
      ),
    );
    const res = await runDeploy(['status', '--json'], { cwd: off });
    expect(res.code).toBe(3);
    const doc = parse(status, res.stdout);
    expect(doc.hosts.find((h) => h.host === h2!.name)).toMatchObject({ reachable: false });
    expect(doc.tasks.find((t) => t.task === 'b')!.state).toBe('unknown');
  });
});
