/**
 * Orphans (SPEC §7.2): a task removed from the files shows as an orphan in `status`;
 * `update --prune` asks (needs --yes without a TTY) and removes it; containers of
 * another inventory on the same engine are never touched.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo, write } from './support/config-repo.js';

const sb = inject('sandbox');
const [h1, h2] = sb.hosts;

const job = (withB: boolean) => `service: prune
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    tasks:
      a: { host: ${h1!.name} }
${withB ? `      b: { host: ${h2!.name} }\n` : ''}`;

const names = (host: string) =>
  docker(sb, host, [
    'ps',
    '-a',
    '--filter',
    'label=deploy.service=prune',
    '--format',
    '{{.Names}} {{.Label "deploy.inventory"}}',
  ])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

describe('orphans and --prune', () => {
  let repo: string;
  let other: string;
  beforeAll(() => {
    cleanup(sb);
    cleanup(sb, 'other');
    repo = makeRepo(sb, { jobs: { prune: job(true) }, hosts: [h1!.name, h2!.name] });
    other = makeRepo(sb, {
      inventory: 'other',
      jobs: { prune: job(true).replace('a: {', 'x: {').replace('b: {', 'y: {') },
      hosts: [h1!.name, h2!.name],
    });
  });
  afterAll(() => {
    cleanup(sb);
    cleanup(sb, 'other');
  });

  test('status lists the orphan, update --prune removes it after asking, the other inventory stays', async () => {
    expect((await runDeploy(['up'], { cwd: repo })).code).toBe(0);
    expect((await runDeploy(['up'], { cwd: other })).code).toBe(0);
    write(repo, 'jobs/prune.yml', job(false));

    const status = await runDeploy(['status', '--json'], { cwd: repo });
    expect(status.code, status.stderr).toBe(0);
    const tasks = (JSON.parse(status.stdout) as { tasks: { task: string; orphan: boolean }[] })
      .tasks;
    expect(tasks.map((t) => [t.task, t.orphan])).toEqual([
      ['a', false],
      ['b', true],
    ]);

    const refused = await runDeploy(['update', '--prune'], { cwd: repo });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(names(h2!.name)).toEqual(['prune-web-b test', 'prune-web-y other']);

    const pruned = await runDeploy(['update', '--prune', '--yes', '--json'], { cwd: repo });
    expect(pruned.code, pruned.stderr).toBe(0);
    const out = JSON.parse(pruned.stdout) as {
      entry: string | null;
      tasks: { task: string; action: string; outcome: string }[];
    };
    expect(out.tasks.filter((t) => t.action === 'remove').map((t) => [t.task, t.outcome])).toEqual([
      ['b', 'ok'],
    ]);
    expect(out.entry).not.toBeNull();
    expect(names(h2!.name)).toEqual(['prune-web-y other']);
    expect(names(h1!.name)).toEqual(['prune-web-a test', 'prune-web-x other']);
  });
});
