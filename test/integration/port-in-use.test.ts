/**
 * Issue 15 item 4: a host port held by a process that is not a container. `docker run -p`
 * then fails with `listen tcp4 ADDR:PORT: bind: address already in use` and leaves a created
 * container behind. The task must say which port on which host is taken, remove what this
 * run created, and on update leave the old container running as it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';
import { waitFor } from './support/side-channel.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;
const NAME = 'portheld-web-one';

const job = `service: portheld
jobs:
  web:
    image: \${vars.registry}/web:1
    ports: ["\${PORT}:80"]
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${host.name} } }
`;

/** A port free on the host's address right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host.address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Another program on the target, listening on the address docker publishes on. */
async function listen(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('net').createServer((c) => c.end()).listen(${port}, ${JSON.stringify(host.address)}, () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let listening = false;
  child.stdout!.on('data', (b: Buffer) => {
    if (b.toString().includes('listening')) listening = true;
  });
  await waitFor(() => listening, 'the listener to listen', 10_000);
  return child;
}

/** Our task's containers on the host, by name, with their state. */
const containers = (): { name: string; state: string }[] =>
  docker(sb, host.name, [
    'ps',
    '-a',
    '--filter',
    `name=${NAME}`,
    '--format',
    '{{.Names}} {{.State}}',
  ])
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name = '', state = ''] = l.split(' ');
      return { name, state };
    });

const publishedPort = (): string =>
  docker(sb, host.name, [
    'inspect',
    '--format',
    '{{(index (index .HostConfig.PortBindings "80/tcp") 0).HostPort}}',
    NAME,
  ]).trim();

interface Out {
  ok: boolean;
  tasks: { task: string; host: string; action: string; outcome: string; error: string | null }[];
}

describe('a host port held by a process that is not a container', () => {
  let repo: string;
  let listener: ChildProcess;
  let heldPort: number;
  const others: ChildProcess[] = [];

  beforeAll(async () => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { portheld: job }, hosts: [host.name] });
    heldPort = await freePort();
    listener = await listen(heldPort);
  });
  afterAll(() => {
    for (const p of [listener, ...others])
      if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid);
    cleanup(sb);
  });

  test('up: the error names the port and the host; the created container is removed', async () => {
    const res = await runDeploy(['up', '--json'], { cwd: repo, env: { PORT: String(heldPort) } });
    expect(res.code, res.stderr).toBe(1);
    const out = JSON.parse(res.stdout) as Out;
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks[0]).toMatchObject({ task: 'one', host: host.name, outcome: 'failed' });
    const error = out.tasks[0]!.error ?? '';
    expect.soft(error).toContain(`port ${heldPort} on ${host.name}`);
    expect.soft(error).toMatch(/not a container/);
    expect.soft(error).not.toMatch(/did not create/);
    expect.soft(containers(), 'containers left on the host').toEqual([]);
  });

  test('update: the old container keeps running on its port; nothing else is left', async () => {
    const oldPort = await freePort();
    const up = await runDeploy(['up'], { cwd: repo, env: { PORT: String(oldPort) } });
    expect(up.code, up.stderr).toBe(0);
    const before = docker(sb, host.name, ['inspect', '--format', '{{.Id}}', NAME]).trim();

    const res = await runDeploy(['update', '--json'], {
      cwd: repo,
      env: { PORT: String(heldPort) },
    });
    expect(res.code, res.stderr).toBe(1);
    const out = JSON.parse(res.stdout) as Out;
    expect(out.tasks[0]).toMatchObject({ action: 'replace', outcome: 'failed' });
    expect.soft(out.tasks[0]!.error ?? '').toContain(`port ${heldPort} on ${host.name}`);
    // Exactly the old container, under its own name, running, publishing its old port.
    expect(containers()).toEqual([{ name: NAME, state: 'running' }]);
    expect(docker(sb, host.name, ['inspect', '--format', '{{.Id}}', NAME]).trim()).toBe(before);
    expect(publishedPort()).toBe(String(oldPort));
    // The other program still has its port.
    expect(listener.exitCode).toBeNull();
  });

  test('start: a stopped container whose port was taken meanwhile says which port', async () => {
    cleanup(sb);
    const port = await freePort();
    const up = await runDeploy(['up'], { cwd: repo, env: { PORT: String(port) } });
    expect(up.code, up.stderr).toBe(0);
    docker(sb, host.name, ['stop', '-t', '0', NAME]);
    others.push(await listen(port));
    const res = await runDeploy(['up', '--json'], { cwd: repo, env: { PORT: String(port) } });
    expect(res.code, res.stderr).toBe(1);
    const out = JSON.parse(res.stdout) as Out;
    expect(out.tasks[0]).toMatchObject({ action: 'start', outcome: 'failed' });
    expect(out.tasks[0]!.error).toBe(
      `port ${port} on ${host.name} (${host.address}) is held by a process that is not a container; free it or publish another port`,
    );
    // The task's own container stays, stopped: it is the desired one, not something this run made.
    expect(containers()).toEqual([{ name: NAME, state: 'exited' }]);
  });
});
