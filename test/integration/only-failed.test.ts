/**
 * `update --only-failed` (SPEC §7.3): retries exactly the tasks whose outcome was not ok in
 * this inventory's newest up/update/rollback entry, leaving the others as they are.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, makeRepo, write } from './support/config-repo.js';

const sb = inject('sandbox');
const [h1, h2] = sb.hosts;

const job = (value: string, brokenB: boolean) => `service: retry
jobs:
  web:
    image: \${vars.registry}/web:1
    env: { V: "${value}" }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, retries: 2 }
    update: { parallelism: 0, monitor: 0s, failure_action: continue }
    tasks:
      a: { host: ${h1!.name} }
      b: { host: ${h2!.name}${brokenB ? ', healthcheck: { cmd: "false", interval: 1s, retries: 1 }' : ''} }
`;

type Out = { tasks: { task: string; action: string; outcome: string }[] };

describe('update --only-failed', () => {
  let repo: string;
  beforeAll(() => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { retry: job('1', true) }, hosts: [h1!.name, h2!.name] });
  });
  afterAll(() => cleanup(sb));

  test('retries only the task that failed in the newest entry', async () => {
    const up = await runDeploy(['up', '--json'], { cwd: repo });
    expect(up.code).toBe(1);
    expect((JSON.parse(up.stdout) as Out).tasks.map((t) => [t.task, t.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'failed'],
    ]);

    // Fix b, and change every task: only b may move.
    write(repo, 'jobs/retry.yml', job('2', false));
    const retry = await runDeploy(['update', '--only-failed', '--json'], { cwd: repo });
    expect(retry.code, retry.stderr).toBe(0);
    expect(
      (JSON.parse(retry.stdout) as Out).tasks.map((t) => [t.task, t.action, t.outcome]),
    ).toEqual([['b', 'create', 'ok']]);

    const status = await runDeploy(['status', '--json'], { cwd: repo });
    const tasks = (
      JSON.parse(status.stdout) as { tasks: { task: string; state: string; drift: boolean }[] }
    ).tasks;
    expect(tasks.map((t) => [t.task, t.state, t.drift])).toEqual([
      ['a', 'running', true],
      ['b', 'running', false],
    ]);

    // Nothing failed in the newest entry now: --only-failed has nothing to do.
    const again = await runDeploy(['update', '--only-failed', '--json'], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as Out).tasks).toEqual([]);
  });
});
