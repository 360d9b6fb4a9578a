/**
 * Issue 15 item 7 (SPEC §7.4): a run releases only a lock that is still its own. Run A
 * holds `lockrace`'s lock while its task is monitored; meanwhile an operator unlocks it and
 * run B takes it (here: the holder is replaced over a side ssh session). When A finishes,
 * B's lock must still be there.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, makeRepo } from './support/config-repo.js';
import { ssh, waitFor } from './support/side-channel.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!.name;
const LOCK = '.deploy/locks/lockrace';
const FOREIGN_RUN = '01JFOREIGNRUNB000000000000';

// monitor 6s: the run holds its lock for at least that long after the container starts.
const job = `service: lockrace
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 6s }
    tasks: { one: { host: ${host} } }
`;

const holder = (): string => ssh(sb, host, `cat ${LOCK}/holder.json 2>/dev/null || true`).trim();

describe('releasing a lock', () => {
  let repo: string;
  beforeAll(() => {
    cleanup(sb);
    ssh(sb, host, `rm -rf ${LOCK}`);
    repo = makeRepo(sb, { jobs: { lockrace: job }, hosts: [host] });
  });
  afterAll(async () => {
    await runDeploy(['unlock', 'lockrace', '--yes'], { cwd: repo });
    cleanup(sb);
  });

  test('leaves a lock that another run took over while this one ran', async () => {
    const a = runDeploy(['up', 'lockrace'], { cwd: repo });
    await waitFor(() => holder() !== '', 'run A to take the lock', 30_000);
    const ours = JSON.parse(holder()) as { run: string };
    expect(ours.run).not.toBe(FOREIGN_RUN);
    // `deploy unlock lockrace --yes` by someone, then run B's `mkdir` + holder.json.
    const b = JSON.stringify({
      user: 'bea',
      machine: 'elsewhere',
      pid: 4242,
      command: 'deploy update lockrace',
      start: new Date().toISOString(),
      run: FOREIGN_RUN,
    });
    ssh(sb, host, `rm -rf ${LOCK} && mkdir ${LOCK} && cat > ${LOCK}/holder.json`, `${b}\n`);

    const res = await a;
    expect(res.code, res.stderr).toBe(0);
    // The run says so: someone took its lock while it ran.
    expect(res.stderr).toContain(
      `warning: the lockrace lock on ${host} was taken from this run while it ran (\`deploy unlock\`?) and is now held by run ${FOREIGN_RUN}: left in place`,
    );
    // A finished and released: B's lock is untouched.
    expect(holder(), "B's lock was removed by A's release").not.toBe('');
    expect(JSON.parse(holder())).toMatchObject({ run: FOREIGN_RUN, user: 'bea' });

    // And B's lock still does its job: another run is refused, naming B.
    const c = await runDeploy(['up', 'lockrace'], { cwd: repo });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`run ${FOREIGN_RUN}`);
  });

  test('a run with nothing taken over removes its own lock', async () => {
    ssh(sb, host, `rm -rf ${LOCK}`);
    cleanup(sb);
    const res = await runDeploy(['up', 'lockrace'], { cwd: repo });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('warning');
    expect(ssh(sb, host, `[ -d ${LOCK} ] && echo held || echo free`).trim()).toBe('free');
  });
});
