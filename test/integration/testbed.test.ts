// Proves the test bed itself through the real `ssh` client and real dockerd engines.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run, isAlive, readPidFile, waitFor, type RunResult } from '../harness/proc.js';
import {
  REPO_ROOT,
  inventoryYaml,
  sandboxDown,
  sandboxUp,
  startSshd,
  stopSshd,
  readSandbox,
} from '../harness/sandbox.js';
import { useSandbox } from '../harness/use-sandbox.js';

const sb = useSandbox();
const tag = `tb${process.pid}`;

function ssh(host: string, command: string, input?: string): Promise<RunResult> {
  return run('ssh', ['-F', sb.sshConfig, host, command], {
    input,
    check: false,
    timeoutMs: 60_000,
  });
}

async function sshOk(host: string, command: string, input?: string): Promise<string> {
  const r = await ssh(host, command, input);
  expect(r.code, `ssh ${host} ${command}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const login = (host: string) =>
  sshOk(
    host,
    `docker login -u ${sb.registry.username} --password-stdin ${sb.registry.address}`,
    sb.registry.password,
  );

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

function hostOf(name: string) {
  const h = sb.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
}

const waitHealth = (host: string, container: string, want: string) =>
  waitFor(
    `${container} on ${host} to be ${want}`,
    async () => {
      const out = (
        await sshOk(host, `docker inspect -f '{{.State.Health.Status}}' ${container}`)
      ).trim();
      return out === want ? out : undefined;
    },
    30_000,
    250,
  );

beforeAll(async () => {
  await Promise.all(['h1', 'h2', 'h3'].map(login));
});

afterAll(async () => {
  await Promise.all(
    ['h1', 'h2', 'h3'].map((h) =>
      ssh(h, `docker rm -f $(docker ps -aq --filter name=${tag}) >/dev/null 2>&1; true`),
    ),
  );
});

describe('ssh to each host', () => {
  test('sessions reach that host own engine, with a per-host HOME', async () => {
    for (const h of sb.hosts) {
      const out = await sshOk(
        h.name,
        'echo "$DOCKER_HOST|$HOME"; docker info --format "{{.Name}}"',
      );
      const [env, dockerName] = out.trim().split('\n');
      expect(env).toBe(`${h.dockerHost}|${join(sb.root, 'hosts', h.name, 'home')}`);
      expect(dockerName).toBeTruthy();
    }
    expect(new Set(sb.hosts.map((h) => h.dockerHost)).size).toBe(sb.hosts.length);
  });

  test('known_hosts holds a plain entry for every host, and ssh verifies it', () => {
    const kh = readFileSync(sb.knownHosts, 'utf8');
    for (const h of sb.hosts)
      expect(kh).toMatch(new RegExp(`^${h.address.replace(/\./g, '\\.')} ssh-ed25519 \\S+$`, 'm'));
  });

  test('an unknown host key is refused under StrictHostKeyChecking', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      const r = await run(
        'ssh',
        [
          '-F',
          sb.sshConfig,
          '-o',
          `UserKnownHostsFile=${join(empty, 'known_hosts')}`,
          'h1',
          'true',
        ],
        { check: false },
      );
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Host key verification failed/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('the sshd log counts connections (LogLevel VERBOSE)', async () => {
    const count = () =>
      (readFileSync(sb.sshdLog('h2'), 'utf8').match(/Accepted publickey for root/g) ?? []).length;
    const before = count();
    await sshOk('h2', 'true');
    await sshOk('h2', 'true');
    await waitFor(
      'two more accepted connections',
      () => (count() >= before + 2 ? true : undefined),
      5000,
    );
  });
});

describe('key-only authentication', () => {
  const base = (address: string) => [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${sb.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'PreferredAuthentications=publickey,password,keyboard-interactive',
    `root@${address}`,
  ];

  test('refused without a key, and no password method is offered', async () => {
    const r = await run(
      'ssh',
      [
        '-o',
        'IdentityFile=/nonexistent',
        '-o',
        'IdentityAgent=none',
        ...base(hostOf('h1').address),
        'true',
      ],
      { check: false },
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  test('refused with a wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrongkey-'));
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
      const r = await run(
        'ssh',
        [
          '-o',
          `IdentityFile=${join(dir, 'id')}`,
          '-o',
          'IdentityAgent=none',
          ...base(hostOf('h1').address),
          'true',
        ],
        { check: false },
      );
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('accepted with the sandbox key', async () => {
    const r = await run(
      'ssh',
      [
        '-o',
        `IdentityFile=${sb.clientKey}`,
        '-o',
        'IdentityAgent=none',
        ...base(hostOf('h1').address),
        'echo ok',
      ],
      { check: false },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });
});

describe('registry', () => {
  test('pull works with login and fails without', async () => {
    const img = sb.images.web2;
    await ssh('h3', `docker rmi ${img} >/dev/null 2>&1; true`);
    // A fresh client config holds no credentials.
    const anon = await ssh(
      'h3',
      `d=$(mktemp -d) && docker --config "$d" pull ${img}; rc=$?; rm -rf "$d"; exit $rc`,
    );
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/no basic auth credentials|unauthorized/);
    await sshOk('h3', `docker pull -q ${img}`);
    expect((await sshOk('h3', `docker image inspect -f '{{.Id}}' ${img}`)).trim()).toMatch(
      /^sha256:/,
    );
  });

  test('login with a wrong password is refused', async () => {
    const r = await ssh(
      'h3',
      `d=$(mktemp -d) && docker --config "$d" login -u ${sb.registry.username} --password-stdin ${sb.registry.address}; rc=$?; rm -rf "$d"; exit $rc`,
      'wrong',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|401/i);
  });

  test('push from a host, then pull on another', async () => {
    const pushed = `${sb.registry.address}/testbed-push:${tag}`;
    await sshOk(
      'h1',
      `docker pull -q ${sb.images.web1} >/dev/null && docker tag ${sb.images.web1} ${pushed} && docker push -q ${pushed}`,
    );
    await sshOk('h2', `docker pull -q ${pushed}`);
    const ids = await Promise.all(
      ['h1', 'h2'].map((h) => sshOk(h, `docker image inspect -f '{{.Id}}' ${pushed}`)),
    );
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('engines', () => {
  test('a container started via h1 is not visible via h2', async () => {
    const name = `${tag}-iso`;
    await sshOk('h1', `docker run -d --name ${name} ${sb.images.web1}`);
    expect(
      (await sshOk('h1', `docker ps -a --filter name=${name} --format '{{.Names}}'`)).trim(),
    ).toBe(name);
    expect(
      (await sshOk('h2', `docker ps -a --filter name=${name} --format '{{.Names}}'`)).trim(),
    ).toBe('');
    await sshOk('h1', `docker rm -f ${name}`);
  });

  test('-p 8080:80 works on two hosts at once, each on its own address', async () => {
    await sshOk('h1', `docker run -d --name ${tag}-p1 -p 8080:80 ${sb.images.web1}`);
    await sshOk('h2', `docker run -d --name ${tag}-p2 -p 8080:80 ${sb.images.web2}`);
    const get = (h: string, path: string) =>
      waitFor(
        `${h}${path}`,
        async () => {
          const r = await httpGet(`http://${hostOf(h).address}:8080${path}`);
          return r.status === 200 ? r.body.trim() : undefined;
        },
        15_000,
        200,
      );
    expect(await get('h1', '/')).toBe('web 1');
    expect(await get('h2', '/')).toBe('web 2');
    expect(await get('h1', '/health')).toBe('web 1');
    // wget from inside the host session too, as a target-side check would.
    expect((await sshOk('h2', `wget -qO- http://${hostOf('h2').address}:8080/`)).trim()).toBe(
      'web 2',
    );
    await sshOk('h1', `docker rm -f ${tag}-p1`);
    await sshOk('h2', `docker rm -f ${tag}-p2`);
  });

  test('web:1 becomes healthy, stops fast on TERM, and logs its args and env', async () => {
    const name = `${tag}-h`;
    await sshOk(
      'h3',
      `docker run -d --name ${name} -e 'GREETING=a b;$(c)' ${sb.images.web1} one 'two three'`,
    );
    await waitHealth('h3', name, 'healthy');
    const logs = await sshOk('h3', `docker logs ${name} 2>&1`);
    expect(logs).toContain('web 1 starting; args: one two three');
    expect(logs).toContain('GREETING=a b;$(c)');
    const t = Date.now();
    await sshOk('h3', `docker stop ${name}`);
    expect(Date.now() - t).toBeLessThan(5000);
    expect((await sshOk('h3', `docker inspect -f '{{.State.ExitCode}}' ${name}`)).trim()).toBe('0');
    await sshOk('h3', `docker rm ${name}`);
  });

  test('web:broken serves / but its health check fails', async () => {
    const name = `${tag}-b`;
    await sshOk('h3', `docker run -d --name ${name} -p 8081:80 ${sb.images.broken}`);
    const page = await waitFor(
      'broken /',
      async () => {
        const r = await httpGet(`http://${hostOf('h3').address}:8081/`);
        return r.status === 200 ? r.body.trim() : undefined;
      },
      15_000,
      200,
    );
    expect(page).toBe('web broken');
    expect((await httpGet(`http://${hostOf('h3').address}:8081/health`)).status).toBe(404);
    await waitHealth('h3', name, 'unhealthy');
    await sshOk('h3', `docker rm -f ${name}`);
  });

  test('containers on one user network reach each other by alias', async () => {
    const net = `${tag}-net`;
    await sshOk(
      'h2',
      `docker network create ${net} >/dev/null && docker run -d --name ${tag}-srv --network ${net} --network-alias web.shop ${sb.images.web2}`,
    );
    const out = await waitFor(
      'alias answers',
      async () => {
        const r = await ssh(
          'h2',
          `docker run --rm --network ${net} --entrypoint wget ${sb.images.web2} -qO- http://web.shop/`,
        );
        // (busybox-static wget segfaults with -T, so no timeout flag here)
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      15_000,
      300,
    );
    expect(out).toBe('web 2');
    await sshOk('h2', `docker rm -f ${tag}-srv && docker network rm ${net}`);
  });
});

describe('host lifecycle', () => {
  test('stopSshd makes a host unreachable; startSshd brings it back with the same key', async () => {
    await stopSshd(sb, 'h3');
    const down = await ssh('h3', 'true');
    expect(down.code).toBe(255);
    expect(down.stderr).toMatch(/Connection refused/);
    await startSshd(sb, 'h3');
    expect((await sshOk('h3', 'echo back')).trim()).toBe('back');
    const pid = readPidFile(join(sb.root, 'hosts', 'h3', 'sshd.pid'));
    expect(readSandbox(sb.root)?.hosts.find((h) => h.name === 'h3')?.sshdPid).toBe(pid);
  });

  test('a shared-engine sandbox: many sshd, one engine; down stops all of it', async () => {
    const root = mkdtempSync(join(sb.root, 'shared-'));
    const shared = await sandboxUp({
      hosts: 12,
      sharedEngine: true,
      root,
      addressBase: 200,
      searchAddresses: true,
      registryPort: 5200,
    });
    try {
      expect(new Set(shared.hosts.map((h) => h.dockerHost)).size).toBe(1);
      const r = await run('ssh', ['-F', shared.sshConfig, 'h12', 'echo $DOCKER_HOST'], {
        check: false,
      });
      expect(r.stdout.trim()).toBe(shared.hosts[0]!.dockerHost);
    } finally {
      const pids = shared.hosts.map((h) => readPidFile(join(root, 'hosts', h.name, 'sshd.pid')));
      await sandboxDown(root);
      expect(pids.filter((p) => isAlive(p))).toEqual([]);
      expect(existsSync(root)).toBe(false);
      const fwd = await run('iptables', ['-S', 'FORWARD']);
      expect(fwd.stdout).not.toContain(`deploy-sandbox shared ${shared.hosts[0]!.address}"`);
    }
  });
});

describe('sandbox bookkeeping', () => {
  test('a second sandbox on taken addresses fails with a clear message and leaves nothing', async () => {
    const root = mkdtempSync(join(sb.root, 'clash-'));
    const first = Number(sb.hosts[0]!.address.split('.')[3]);
    await expect(
      sandboxUp({ hosts: 1, root, addressBase: first, registryPort: 5300 }),
    ).rejects.toThrow(
      new RegExp(
        `${sb.hosts[0]!.address.replace(/\./g, '\\.')}:22 is already in use by the sandbox in ${sb.root}`,
      ),
    );
    expect(existsSync(join(root, 'state.json'))).toBe(false);
    // The running sandbox is untouched.
    expect((await sshOk('h1', 'echo still')).trim()).toBe('still');
  });

  test('inventories/sandbox.yml matches what the harness would write for the default sandbox', () => {
    const committed: unknown = parse(
      readFileSync(join(REPO_ROOT, 'inventories', 'sandbox.yml'), 'utf8'),
    );
    const generated: unknown = parse(
      inventoryYaml({
        user: 'root',
        clientKey: '.sandbox/client/id_ed25519',
        knownHosts: '.sandbox/client/known_hosts',
        registry: { address: '127.0.0.1:5000', username: 'deploy', password: '' },
        hosts: [11, 12, 13].map((o, i) => ({
          name: `h${i + 1}`,
          address: `127.0.0.${o}`,
          port: 22,
          dockerHost: '',
          sshdPid: 0,
        })),
      }),
    );
    expect(committed).toEqual(generated);
  });

  test('the generated inventory of this sandbox names its hosts, key and registry', () => {
    const inv = parse(readFileSync(join(sb.root, 'inventory.yml'), 'utf8')) as {
      defaults: { identity_file: string };
      hosts: Record<string, { address: string }>;
      registry: { server: string };
    };
    expect(inv.defaults.identity_file).toBe(sb.clientKey);
    expect(Object.values(inv.hosts).map((h) => h.address)).toEqual(sb.hosts.map((h) => h.address));
    expect(inv.registry.server).toBe(sb.registry.address);
  });
});
