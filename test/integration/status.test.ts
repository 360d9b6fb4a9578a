/**
 * `status` of a mixed state (SPEC §3, §7.2): running, exited, missing, drifted, orphan, and a
 * host that cannot be reached — the right state for each, in one round trip per host,
 * and exit 3 because one host did not answer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo, write } from './support/config-repo.js';

const sb = inject('sandbox');
const [h1, h2, h3] = sb.hosts;

const job = (opts: { dEnv: string; withE: boolean; withF: boolean }) => `service: mix
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    tasks:
      a: { host: ${h1!.name} }
      b: { host: ${h2!.name} }
      c: { host: ${h3!.name} }
      d: { host: ${h1!.name}, env: { V: "${opts.dEnv}" } }
${opts.withE ? `      e: { host: ${h2!.name} }\n` : ''}${opts.withF ? '      f: { host: dead }\n' : ''}`;

type Row = {
  task: string;
  host: string;
  state: string;
  drift: boolean;
  drift_fields: string[];
  orphan: boolean;
};

describe('status of a mixed state', () => {
  let repo: string;
  beforeAll(() => {
    cleanup(sb);
    repo = makeRepo(sb, {
      jobs: { mix: job({ dEnv: '1', withE: true, withF: false }) },
      hosts: [h1!.name, h2!.name, h3!.name],
    });
  });
  afterAll(() => cleanup(sb));

  test('running, exited, missing, drifted, orphan and unknown (unreachable host), exit 3', async () => {
    const up = await runDeploy(['up'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
    docker(sb, h2!.name, ['stop', '-t', '1', 'mix-web-b']);
    docker(sb, h3!.name, ['rm', '-f', 'mix-web-c']);
    // d's spec changes, e leaves the files, and a host that never answers gets a task.
    write(repo, 'jobs/mix.yml', job({ dEnv: '2', withE: false, withF: true }));
    const inv = join(repo, 'inventories', 'test.yml');
    writeFileSync(
      inv,
      readFileSync(inv, 'utf8').replace(
        'groups:',
        '  dead: { address: 127.0.0.1, port: 1 }\ngroups:',
      ),
    );

    const res = await runDeploy(['status', '--json'], { cwd: repo });
    expect(res.code).toBe(3);
    const doc = JSON.parse(res.stdout) as {
      tasks: Row[];
      hosts: { host: string; reachable: boolean; error: string | null }[];
    };
    const byTask = Object.fromEntries(doc.tasks.map((t) => [t.task, t]));
    expect(byTask.a).toMatchObject({ state: 'running', drift: false, orphan: false });
    expect(byTask.b).toMatchObject({ state: 'exited', drift: false, orphan: false });
    expect(byTask.c).toMatchObject({ state: 'missing', drift: false, orphan: false });
    expect(byTask.d).toMatchObject({ state: 'running', drift: true, orphan: false });
    expect(byTask.d!.drift_fields.join(' ')).toMatch(/env\.V/);
    expect(byTask.e).toMatchObject({ host: h2!.name, state: 'running', orphan: true });
    expect(byTask.f).toMatchObject({ host: 'dead', state: 'unknown' });
    expect(doc.hosts.find((h) => h.host === 'dead')).toMatchObject({ reachable: false });
    expect(doc.hosts.filter((h) => h.reachable).map((h) => h.host)).toEqual([
      h1!.name,
      h2!.name,
      h3!.name,
    ]);

    const human = await runDeploy(['status'], { cwd: repo });
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/dead \(127\.0\.0\.1\): unreachable/);
    expect(human.stdout).toMatch(/mix\/web\/e\s+h\d+\s+running.*orphan/);
  });

  test('drift notes from the ledger: "rolled back to ID", and "unrecorded" once its entry is gone', async () => {
    const rbJob = `service: rb
jobs:
  web:
    image: \${vars.registry}/web:\${TAG:-1}
    healthcheck: none
    update: { monitor: 0s }
    tasks:
      one: { host: ${h1!.name} }
`;
    const rbRepo = makeRepo(sb, { jobs: { rb: rbJob }, hosts: [h1!.name] });
    const up = await runDeploy(['up', 'rb', '--json'], { cwd: rbRepo });
    expect(up.code, up.stderr).toBe(0);
    const first = (JSON.parse(up.stdout) as { entry: string }).entry;
    const upd = await runDeploy(['update', 'rb'], { cwd: rbRepo, env: { TAG: '2' } });
    expect(upd.code, upd.stderr).toBe(0);
    const rb = await runDeploy(['rollback', 'rb', '--json'], { cwd: rbRepo, env: { TAG: '2' } });
    expect(rb.code, rb.stderr).toBe(0);
    const rollbackEntry = (JSON.parse(rb.stdout) as { entry: string }).entry;

    const read = async () => {
      const res = await runDeploy(['status', 'rb', '--json'], { cwd: rbRepo, env: { TAG: '2' } });
      expect(res.code, res.stderr).toBe(0);
      return (JSON.parse(res.stdout) as { tasks: Row[] }).tasks[0]!;
    };
    const rolledBack = await read();
    expect(rolledBack.drift).toBe(true);
    expect(rolledBack.drift_fields).toContain(`rolled back to ${first}`);

    // The rollback's entry leaves the ledger (a bad merge, say): the container's is unknown.
    const ledger = join(rbRepo, 'ledger', 'rb.jsonl');
    const kept = readFileSync(ledger, 'utf8')
      .split('\n')
      .filter((l) => !l.includes(`"id":"${rollbackEntry}"`));
    writeFileSync(ledger, kept.join('\n'));
    const unrecorded = await read();
    expect(unrecorded.drift_fields).toContain(
      `unrecorded (entry ${rollbackEntry} not in the ledger)`,
    );
  });
});
