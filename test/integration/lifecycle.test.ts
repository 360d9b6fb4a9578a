/**
 * The main job, end to end: the built CLI deploys, updates, rolls back and takes down a
 * job on the real test bed (OpenSSH sshd + one dockerd per host + a registry).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, httpGet, makeRepo, write } from './support/config-repo.js';

const sb = inject('sandbox');
const HOSTS = sb.hosts.map((h) => h.name);

const siteJob = `service: site
jobs:
  web:
    image: \${vars.registry}/web:\${TAG:-1}
    ports: ["8080:80"]
    placement: { group: all_hosts }
    secrets: [SITE_TOKEN]
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, timeout: 2s, retries: 4 }
    update: { parallelism: 1, order: stop-first, monitor: 1s, failure_action: rollback }
`;
const SECRET = `lcy-s3cr3t-$(id)-'"-\`x\`-value`;
/** A piece of the secret that survives shell quoting (other test files use look-alikes). */
const SECRET_MARK = 'lcy-s3cr3t-$(id)-';

type TaskOut = {
  service: string;
  job: string;
  task: string;
  host: string;
  action: string;
  outcome: string;
  error: string | null;
};
type DeployOut = { ok: boolean; entry: string | null; tasks: TaskOut[] };

function containers(
  host: string,
  inventory = 'test',
): { name: string; id: string; started: string; state: string }[] {
  const ids = docker(sb, host, [
    'ps',
    '-aq',
    '--filter',
    `label=deploy.inventory=${inventory}`,
  ]).trim();
  if (!ids) return [];
  const raw = JSON.parse(docker(sb, host, ['inspect', ...ids.split('\n')])) as {
    Id: string;
    Name: string;
    State: { StartedAt: string; Status: string };
  }[];
  return raw
    .map((c) => ({
      name: c.Name.slice(1),
      id: c.Id,
      started: c.State.StartedAt,
      state: c.State.Status,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function versionsServed(): Promise<string[]> {
  return Promise.all(
    sb.hosts.map(async (h) => (await httpGet(`http://${h.address}:8080/`)).body.trim()),
  );
}

describe('lifecycle on the test bed', () => {
  let repo: string;
  const env = { SITE_TOKEN: SECRET };

  beforeAll(() => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { site: siteJob } });
  });
  afterAll(() => cleanup(sb));

  test('up deploys web:1 on every host; a second up changes nothing', async () => {
    const first = await runDeploy(['up', '--json'], { cwd: repo, env });
    expect(first.stderr).not.toContain(SECRET);
    const out = JSON.parse(first.stdout) as DeployOut;
    expect(first.code, first.stderr).toBe(0);
    expect(out.ok).toBe(true);
    expect(out.entry).toMatch(/^[0-9A-Z]{26}$/);
    expect(out.tasks.map((t) => [t.task, t.action, t.outcome])).toEqual(
      HOSTS.map((h) => [h, 'create', 'ok']),
    );
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 1'));

    const before = HOSTS.map((h) => containers(h));
    const again = await runDeploy(['up', '--json'], { cwd: repo, env });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as DeployOut;
    expect(second.entry).toBeNull();
    expect(second.tasks.every((t) => t.action === 'unchanged' && t.outcome === 'ok')).toBe(true);
    const upd = await runDeploy(['update', '--json'], { cwd: repo, env });
    expect(upd.code, upd.stderr).toBe(0);
    expect((JSON.parse(upd.stdout) as DeployOut).tasks.every((t) => t.action === 'unchanged')).toBe(
      true,
    );
    // Same containers, never restarted.
    expect(HOSTS.map((h) => containers(h))).toEqual(before);
  });

  test('the secret reaches the container, and nowhere else: not argv, not -v output, not the ledger', async () => {
    const c = JSON.parse(docker(sb, HOSTS[0]!, ['inspect', `site-web-${HOSTS[0]}`]))[0] as {
      Config: { Env: string[] };
    };
    expect(c.Config.Env).toContain(`SITE_TOKEN=${SECRET}`);
    // Watch every process on the machine (all sandbox hosts share this kernel) during an update.
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const res = await runDeploy(['update', '--force', '-v'], { cwd: repo, env });
    watching = false;
    await watcher;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('--env-file /dev/stdin'); // -v really showed the commands
    expect(res.stdout + res.stderr).not.toContain(SECRET);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.join('\n')).not.toContain(SECRET_MARK);
    expect(readFileSync(join(repo, 'ledger', 'site.jsonl'), 'utf8')).not.toContain(SECRET_MARK);
  });

  test('update to web:2 rolls every host, old containers removed only after the new one is healthy', async () => {
    // Invariant watched during the roll: while a task's new container is not yet healthy,
    // its old one still exists (as <name>.old).
    const violations: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const h of HOSTS) {
          const list = docker(sb, h, [
            'ps',
            '-a',
            '--filter',
            'label=deploy.inventory=test',
            '--format',
            '{{.Names}}|{{.Status}}',
          ])
            .trim()
            .split('\n');
          const names = new Set(list.map((l) => l.split('|')[0]));
          for (const l of list) {
            const [name, status] = l.split('|') as [string, string];
            if (
              !name.endsWith('.old') &&
              name &&
              !/healthy\)/.test(status.replace('unhealthy', '')) &&
              !names.has(`${name}.old`)
            ) {
              violations.push(`${h}: ${l}`);
            }
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const res = await runDeploy(['update', '--json'], { cwd: repo, env: { ...env, TAG: '2' } });
    watching = false;
    await watcher;
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as DeployOut;
    expect(out.tasks.map((t) => [t.action, t.outcome])).toEqual(HOSTS.map(() => ['replace', 'ok']));
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 2'));
    for (const h of HOSTS) expect(containers(h).map((c) => c.name)).toEqual([`site-web-${h}`]);
    expect(violations).toEqual([]);
  });

  test('update to web:broken fails, rolls back, and v2 serves again everywhere', async () => {
    const res = await runDeploy(['update', '--json'], {
      cwd: repo,
      env: { ...env, TAG: 'broken' },
    });
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout) as DeployOut;
    expect(out.ok).toBe(false);
    const outcomes = out.tasks.map((t) => t.outcome);
    expect(outcomes[0]).toBe('failed');
    expect(outcomes.slice(1)).toEqual(HOSTS.slice(1).map(() => 'skipped'));
    expect(out.tasks[0]!.error).toMatch(/health/);
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 2'));
    for (const h of HOSTS)
      expect(containers(h).map((c) => [c.name, c.state])).toEqual([[`site-web-${h}`, 'running']]);
    // The human output shows why on the spot.
    const human = await runDeploy(['update'], { cwd: repo, env: { ...env, TAG: 'broken' } });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/last log lines|health check log/);
    // The test image prints its environment at start: the diagnostics mask the secret.
    expect(human.stderr).toContain('SITE_TOKEN=<redacted>');
    expect(human.stdout + human.stderr).not.toContain(SECRET);
  });

  test('with parallelism 0 a failure rolls back the tasks already moved', async () => {
    write(repo, 'jobs/site.yml', siteJob.replace('parallelism: 1', 'parallelism: 0'));
    const res = await runDeploy(['update', '--json'], {
      cwd: repo,
      env: { ...env, TAG: 'broken' },
    });
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout) as DeployOut;
    expect(out.tasks.every((t) => t.outcome === 'failed' || t.outcome === 'rolled_back')).toBe(
      true,
    );
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 2'));
    write(repo, 'jobs/site.yml', siteJob);
  });

  test('two concurrent updates: one runs, the other exits 1 naming the holder', async () => {
    const a = runDeploy(['update', '--force'], { cwd: repo, env: { ...env, TAG: '1' } });
    await new Promise((r) => setTimeout(r, 700));
    const b = await runDeploy(['update', '--force'], { cwd: repo, env: { ...env, TAG: '1' } });
    const ra = await a;
    expect(ra.code, ra.stderr).toBe(0);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/site is locked on h\d+ by .* \(pid \d+/);
    expect(b.stderr).toContain('deploy unlock site');
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 1'));
  });

  test('hostile values arrive in the container byte for byte', async () => {
    const hostile = `it's "q" $(id) \`uname\` ; rm -rf / *\n\tnext line ünïcødé ✓ $HOME \\ end`;
    const yamlValue = JSON.stringify(hostile.replace(/\$/g, '$$$$'));
    write(
      repo,
      'jobs/odd.yml',
      `service: odd
jobs:
  echo:
    image: \${vars.registry}/web:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done", ${yamlValue}]
    env: { HOSTILE: ${yamlValue} }
    labels: { hostile: ${yamlValue} }
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${HOSTS[0]} } }
`,
    );
    const res = await runDeploy(['up', 'odd'], { cwd: repo, env });
    expect(res.code, res.stderr).toBe(0);
    const c = JSON.parse(docker(sb, HOSTS[0]!, ['inspect', 'odd-echo-one']))[0] as {
      Config: { Env: string[]; Labels: Record<string, string>; Cmd: string[] };
    };
    expect(c.Config.Env).toContain(`HOSTILE=${hostile}`);
    expect(c.Config.Labels.hostile).toBe(hostile);
    expect(c.Config.Cmd.at(-1)).toBe(hostile);
    const down = await runDeploy(['down', 'odd', '--yes'], { cwd: repo, env });
    expect(down.code, down.stderr).toBe(0);
    expect(docker(sb, HOSTS[0]!, ['ps', '-aq', '--filter', 'name=odd-echo-one']).trim()).toBe('');
    rmSync(join(repo, 'jobs', 'odd.yml'));
  });

  test('a host that dies during a run: the others complete, and a re-run converges', async () => {
    const victim = sb.hosts[sb.hosts.length - 1]!;
    const { stopSshd, startSshd, readSandbox } = await import('../harness/sandbox.js');
    const { sshdPaths } = await import('../harness/sshd.js');
    // A foreign lock on the victim keeps the run retrying (--lock-wait) with its connection
    // open and nothing changed yet: the victim dies at a known point, not at a lucky one.
    const lock = join(sshdPaths(join(sb.root, 'hosts', victim.name)).home, '.deploy/locks/site');
    mkdirSync(lock, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(lock, 'holder.json'),
      JSON.stringify({
        user: 'someone',
        machine: 'elsewhere',
        pid: 1,
        command: 'deploy update',
        start: '2026-11-27T00:00:00Z',
        run: '01JFOREIGNRUN0000000000000',
      }) + '\n',
    );
    const full = readSandbox(sb.root)!;
    // Other test files may have restarted this sshd: take its pid from the current state.
    const listener = full.hosts.find((h) => h.name === victim.name)!.sshdPid;
    const sessions = (): number[] =>
      execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number) as [number, number])
        .filter(([, ppid]) => ppid === listener)
        .map(([pid]) => pid);
    const run = runDeploy(['update', '--json', '--parallel', '8', '--lock-wait', '60s'], {
      cwd: repo,
      env: { ...env, TAG: '2' },
    });
    // Wait until deploy holds its session to the victim and has found the lock held, then
    // kill the sshd and that session.
    const deadline = Date.now() + 20_000;
    while (sessions().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const children = sessions();
    expect(children.length).toBeGreaterThan(0);
    await stopSshd(full, victim.name);
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const res = await run;
    await startSshd(full, victim.name);
    expect([1, 3]).toContain(res.code);
    const out = JSON.parse(res.stdout) as DeployOut;
    const others = out.tasks.filter((t) => t.host !== victim.name);
    expect(others.every((t) => t.outcome === 'ok')).toBe(true);
    expect(out.tasks.find((t) => t.host === victim.name)?.outcome).toBe('unreachable');
    // The foreign lock stays on the victim (locks never expire, §7.4): the operator clears
    // it, as the error message says.
    const unlock = await runDeploy(['unlock', 'site', '--yes'], { cwd: repo, env });
    expect(unlock.code, unlock.stderr).toBe(0);
    const again = await runDeploy(['update', '--json'], { cwd: repo, env: { ...env, TAG: '2' } });
    expect(again.code, again.stderr).toBe(0);
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 2'));
    for (const h of HOSTS) expect(containers(h).map((c) => c.name)).toContain(`site-web-${h}`);
  });

  test('rollback restores the previous version; --to goes to a chosen entry', async () => {
    const at2 = await runDeploy(['update', 'site', '--force', '--json'], {
      cwd: repo,
      env: { ...env, TAG: '2' },
    });
    expect(at2.code, at2.stderr).toBe(0);
    const entry2 = (JSON.parse(at2.stdout) as DeployOut).entry!;
    const back = await runDeploy(['rollback', 'site', '--json'], {
      cwd: repo,
      env: { ...env, TAG: '2' },
    });
    expect(back.code, back.stderr).toBe(0);
    const out = JSON.parse(back.stdout) as DeployOut;
    expect(out.tasks.every((t) => t.action === 'replace' && t.outcome === 'ok')).toBe(true);
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 1'));
    const lines = readFileSync(join(repo, 'ledger', 'site.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; action: string; source?: string });
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ id: out.entry, action: 'rollback' });
    expect(last.source).toBeTruthy();
    // SPEC §7.5: the files still hold web:2, rolled away from: a CI update must not undo it.
    const undo = await runDeploy(['update', 'site'], { cwd: repo, env: { ...env, TAG: '2' } });
    expect(undo.code).toBe(1);
    expect(undo.stderr).toContain(`was rolled back to ${last.source} (entry ${out.entry})`);
    expect(undo.stderr).toMatch(/hint: .*--force/);
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 1'));
    const forward = await runDeploy(['rollback', 'site', '--to', entry2, '--json'], {
      cwd: repo,
      env,
    });
    expect(forward.code, forward.stderr).toBe(0);
    expect(await versionsServed()).toEqual(HOSTS.map(() => 'web 2'));
  });

  test('down requires --yes without a TTY, then removes everything and keeps nothing behind', async () => {
    const refused = await runDeploy(['down', 'site'], { cwd: repo, env });
    expect(refused.code).toBe(2);
    expect(HOSTS.every((h) => containers(h).length > 0)).toBe(true);
    const res = await runDeploy(['down', 'site', '--yes', '--json'], { cwd: repo, env });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as DeployOut;
    expect(out.tasks.every((t) => t.action === 'remove' && t.outcome === 'ok')).toBe(true);
    for (const h of HOSTS) expect(containers(h)).toEqual([]);
  });
});
