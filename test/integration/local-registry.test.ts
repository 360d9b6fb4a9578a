/**
 * Groundwork of SPEC §8.2/§8.5: the test bed's "laptop" (the first host's engine as the
 * deploying machine's DOCKER_HOST) runs the offline-built registry image on 127.0.0.1 at a
 * port docker picks, with htpasswd auth and a random per-run credential; a local image is
 * pushed to it and pulled back by digest.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  REGISTRY_CONTAINER_PORT,
  REGISTRY_HTPASSWD,
  ensureRegistryImage,
} from '../harness/images-registry.js';
import { registryGet } from '../harness/registry.js';
import { IMAGE_CACHE } from '../harness/sandbox.js';
import type { HostSpec, Inventory } from '../../src/inventory/model.js';
import { createPool } from '../../src/transport/index.js';

const sb = inject('sandbox');
const laptop = sb.hosts[0]!.dockerHost;
const target = sb.hosts[1]!;

function inventory(): Inventory {
  const spec: HostSpec = {
    name: target.name,
    address: target.address,
    user: sb.user,
    port: target.port,
    identityFile: sb.clientKey,
    knownHosts: sb.knownHosts,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    docker: 'docker',
    sudo: false,
    labels: {},
  };
  const hosts = { [target.name]: spec };
  return {
    name: 'ship',
    file: '/nonexistent/ship.yml',
    hosts,
    groups: {},
    vars: {},
    notify: [],
    hooks: {},
  };
}

describe('a registry on the laptop engine, on loopback', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let container = '';
  const password = randomBytes(18).toString('base64url');
  const username = 'deploy';
  let address = '';
  let source = '';
  let image = '';
  let pushed = '';
  // A local image no other test file has: web:1 plus a layer of random bytes, so the engine
  // holds it under this one tag (rmi really removes it) and no target has that layer yet.
  const local = `deploy-ship-test/web:${process.pid}-${Date.now()}`;
  const UNIQUE_BYTES = 1_000_000;

  const dk = (args: string[], input?: string): string =>
    execFileSync('docker', args, {
      env,
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  const dkStatus = (args: string[]): { ok: boolean; err: string } => {
    try {
      dk(args);
      return { ok: true, err: '' };
    } catch (e) {
      return { ok: false, err: String((e as { stderr?: string }).stderr ?? e) };
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'deploy-localreg-'));
    mkdirSync(join(work, 'docker-config'), { mode: 0o700 });
    env = { ...process.env, DOCKER_HOST: laptop, DOCKER_CONFIG: join(work, 'docker-config') };
    image = await ensureRegistryImage({
      dockerHost: laptop,
      workDir: work,
      cacheDir: IMAGE_CACHE,
    });
    // The per-run credential: the password goes through stdin, only its bcrypt hash to disk.
    const hash = execFileSync('htpasswd', ['-niB', username], {
      input: password,
      encoding: 'utf8',
    });
    mkdirSync(join(work, 'ctx', 'auth'), { recursive: true });
    writeFileSync(join(work, 'ctx', REGISTRY_HTPASSWD), hash, { mode: 0o644 });
    const name = `deploy-test-registry-${randomBytes(4).toString('hex')}`;
    container = dk([
      'create',
      '--name',
      name,
      '-p',
      `127.0.0.1::${REGISTRY_CONTAINER_PORT}`,
      image,
    ]).trim();
    const tar = execFileSync('tar', ['-C', join(work, 'ctx'), '-cf', '-', 'auth']);
    execFileSync('docker', ['cp', '-', `${container}:/`], { env, input: tar });
    dk(['start', container]);
    address = dk(['port', container, `${REGISTRY_CONTAINER_PORT}/tcp`])
      .trim()
      .split('\n')[0]!;
    // A local image: web:1 from the bed's registry, retagged under a name of the laptop's own.
    dk(
      ['login', '--username', sb.registry.username, '--password-stdin', sb.registry.address],
      sb.registry.password,
    );
    dk(['pull', '-q', `${sb.registry.address}/web:1`]);
    dk(['logout', sb.registry.address]);
    dk(
      ['build', '-q', '-t', local, '-'],
      `FROM ${sb.registry.address}/web:1\nRUN head -c ${UNIQUE_BYTES} /dev/urandom > /unique.bin\n`,
    );
    source = dk(['image', 'inspect', '--format', '{{.Id}}', local]).trim();
  });

  afterAll(() => {
    if (container) dkStatus(['rm', '-f', '-v', container]);
    // Later files of the run count images on this engine: leave none (the image is cached).
    for (const ref of [
      local,
      `${sb.registry.address}/web:1`,
      pushed,
      `${address}/deploy/web:1`,
      image,
    ])
      if (ref) dkStatus(['rmi', ref]);
    dkStatus(['image', 'prune', '-f']);
    rmSync(work, { recursive: true, force: true });
  });

  test('listens on 127.0.0.1 only, at a port docker picked, and wants the credential', async () => {
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const reg = { address, username, password };
    await expect(registryGet(reg, '/v2/', false)).resolves.toMatchObject({ status: 401 });
    await expect(registryGet({ ...reg, password: 'wrong' }, '/v2/')).resolves.toMatchObject({
      status: 401,
    });
    await expect(registryGet(reg, '/v2/')).resolves.toMatchObject({ status: 200 });
    // Not on the engine's own address (its --ip), where other published ports go.
    const port = address.split(':')[1]!;
    await expect(
      registryGet({ ...reg, address: `${sb.hosts[0]!.address}:${port}` }, '/v2/'),
    ).rejects.toThrow();
  });

  test('serves a push, then a pull by digest, of a local image', () => {
    const ref = `${address}/deploy/web:1`;
    dk(['tag', local, ref]);
    expect(dkStatus(['push', '-q', ref]).err).toMatch(/no basic auth credentials|unauthorized/i);
    dk(['login', '--username', username, '--password-stdin', address], password);
    dk(['push', '-q', ref]);
    const digests = dk(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
    const digest = (JSON.parse(digests) as string[]).find((d) => d.startsWith(`${address}/`));
    expect(digest).toMatch(/@sha256:[0-9a-f]{64}$/);
    pushed = digest!;
    // Gone from the engine, then back from the registry by digest: the same image.
    dk(['rmi', ref, local]);
    expect(dkStatus(['image', 'inspect', source]).ok).toBe(false);
    dk(['pull', '-q', pushed]);
    expect(dk(['image', 'inspect', '--format', '{{.Id}}', pushed]).trim()).toBe(source);
    dk(['logout', address]);
  });

  test('a target pulls it by digest from 127.0.0.1 through a remote forward of its run connection', async () => {
    expect(pushed).toMatch(/@sha256:/);
    const digest = pushed.slice(pushed.indexOf('@') + 1);
    const manifest = await registryGet(
      { address, username, password },
      `/v2/deploy/web/manifests/${digest}`,
    );
    const m = JSON.parse(manifest.body) as {
      config: { size: number };
      layers: Array<{ size: number }>;
    };
    const blobBytes = m.config.size + m.layers.reduce((n, l) => n + l.size, 0);
    const [regHost, regPort] = address.split(':');
    const pool = createPool(inventory(), { timeoutMs: 60_000 });
    try {
      const forward = await pool.remoteForward(target.name, {
        address: regHost!,
        port: Number(regPort),
      });
      expect(forward.port).not.toBe(Number(regPort));
      const ref = `127.0.0.1:${forward.port}/deploy/web@${digest}`;
      // A per-run docker config on the target; the credential only on stdin.
      const script =
        'd=$(mktemp -d) && docker --config "$d" login -u "$1" --password-stdin "$2" >/dev/null && docker --config "$d" pull -q "$3"; rc=$?; rm -rf "$d"; exit $rc';
      const r = await pool
        .get(target.name)
        .exec(['sh', '-c', script, 'sh', username, `127.0.0.1:${forward.port}`, ref], {
          stdin: password,
        });
      expect(r).toMatchObject({ code: 0 });
      expect(
        execFileSync(
          'docker',
          ['-H', target.dockerHost, 'image', 'inspect', '--format', '{{.Id}}', ref],
          { encoding: 'utf8' },
        ).trim(),
      ).toBe(source);
      // What the target lacked went through the forward (plus HTTP framing): at least the
      // random layer (web:1's own layers may already be on the target from other files).
      expect(blobBytes).toBeGreaterThan(UNIQUE_BYTES);
      expect(forward.bytesToTarget).toBeGreaterThanOrEqual(UNIQUE_BYTES);
      expect(forward.bytesToTarget).toBeLessThan(blobBytes + 200_000);
      await forward.close();
      execFileSync('docker', ['-H', target.dockerHost, 'rmi', ref], { stdio: 'ignore' });
    } finally {
      await pool.closeAll();
    }
  });
});
