/**
 * SPEC §7.2: "A failed job marks the jobs that depend on it `skipped`" — also when the job
 * failed before any of its tasks started (every pull failed), which the scheduler used to
 * count as a job with nothing to do.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!.name;

type TaskOut = { job: string; task: string; outcome: string; error: string | null };

const job = (dbImage: string) => `service: deps
jobs:
  db:
    image: \${vars.registry}/${dbImage}
    healthcheck: none
    tasks: { one: { host: ${host} } }
  app:
    image: \${vars.registry}/web:1
    healthcheck: none
    depends_on: [db]
    tasks: { one: { host: ${host} } }
`;

const appContainers = (): string =>
  docker(sb, host, [
    'ps',
    '-aq',
    '--filter',
    'label=deploy.service=deps',
    '--filter',
    'label=deploy.job=app',
  ]).trim();

describe('dependencies (SPEC §7.2)', () => {
  beforeAll(() => cleanup(sb));
  afterAll(() => cleanup(sb));

  test('a job whose every pull failed marks its dependents skipped; nothing of them starts', async () => {
    const repo = makeRepo(sb, { jobs: { deps: job('web:no-such-tag') }, hosts: [host] });
    const res = await runDeploy(['up', '--json'], { cwd: repo });
    expect(res.code, res.stderr).toBe(1);
    const out = JSON.parse(res.stdout) as { ok: boolean; tasks: TaskOut[] };
    const byJob = Object.fromEntries(out.tasks.map((t) => [t.job, t]));
    expect(out.ok).toBe(false);
    expect(byJob.db?.outcome).toBe('failed');
    expect(byJob.db?.error).toMatch(/pull of .*web:no-such-tag failed/);
    expect(byJob.app?.outcome).toBe('skipped');
    expect(byJob.app?.error).toBe('dependency failed: deps/db');
    expect(appContainers()).toBe('');
  });

  test('with the dependency fixed, up brings both', async () => {
    const repo = makeRepo(sb, { jobs: { deps: job('web:1') }, hosts: [host] });
    const res = await runDeploy(['up', '--json'], { cwd: repo });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { tasks: TaskOut[] };
    expect(out.tasks.map((t) => `${t.job}:${t.outcome}`).sort()).toEqual(['app:ok', 'db:ok']);
  });
});
