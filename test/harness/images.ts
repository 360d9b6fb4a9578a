// Test images, made locally because nothing can be pulled: a busybox-static rootfs imported
// as deploy-base:1, and web:1, web:2, web:broken and caddy:2 (./images-proxy.ts) built on it. The built images are saved to
// a cache tarball keyed by the inputs' hash, so a second bring-up only loads and pushes.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  copyFileSync,
  chmodSync,
  renameSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './proc.js';
import { caddyInputs, writeCaddyContext } from './images-proxy.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB_CONTEXT = join(HERE, 'images', 'web');
const BUSYBOX = '/bin/busybox';
const BASE = 'deploy-base:1';
const LOCAL = { web1: 'web:1', web2: 'web:2', broken: 'web:broken', proxy: 'caddy:2' } as const;

export interface SandboxImages {
  web1: string;
  web2: string;
  broken: string;
  base: string;
  /** Caddy 2 from Debian's package, for the proxy (SPEC §8.1). */
  proxy: string;
}

export function imageNames(registry: string): SandboxImages {
  return {
    web1: `${registry}/web:1`,
    web2: `${registry}/web:2`,
    broken: `${registry}/web:broken`,
    base: `${registry}/deploy-base:1`,
    proxy: `${registry}/caddy:2`,
  };
}

export function imagesHash(): string {
  const h = createHash('sha256');
  // Bump when the way images are made changes (rootfs layout, build args, tags).
  h.update('v2');
  h.update(readFileSync(BUSYBOX));
  for (const f of readdirSync(WEB_CONTEXT).sort()) {
    h.update(f);
    h.update(readFileSync(join(WEB_CONTEXT, f)));
  }
  for (const [name, content] of caddyInputs()) {
    h.update(name);
    h.update(content);
  }
  return h.digest('hex').slice(0, 16);
}

function docker(socket: string, config: string, args: string[], input?: string) {
  return run('docker', ['--config', config, ...args], {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_BUILDKIT: '0' },
    input,
    timeoutMs: 300_000,
  });
}

async function importBase(socket: string, config: string, workDir: string): Promise<void> {
  const rootfs = mkdtempSync(join(workDir, 'rootfs-'));
  try {
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const { stdout } = await run(BUSYBOX, ['--list-full']);
    for (const applet of stdout.split('\n').filter(Boolean)) {
      if (applet === 'bin/busybox') continue;
      mkdirSync(join(rootfs, dirname(applet)), { recursive: true });
      if (!existsSync(join(rootfs, applet))) symlinkSync('/bin/busybox', join(rootfs, applet));
    }
    for (const d of ['etc', 'tmp', 'root', 'var/www'])
      mkdirSync(join(rootfs, d), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = join(workDir, 'rootfs.tar');
    await run('tar', ['-C', rootfs, '-cf', tar, '.']);
    await run(
      'sh',
      [
        '-c',
        'docker --config "$1" import -c "CMD [\\"/bin/sh\\"]" - "$2" < "$3"',
        'sh',
        config,
        BASE,
        tar,
      ],
      {
        env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
      },
    );
    rmSync(tar, { force: true });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

async function build(socket: string, config: string, workDir: string): Promise<void> {
  await importBase(socket, config, workDir);
  const builds: Array<[string, string[]]> = [
    [LOCAL.web1, ['--build-arg', 'VERSION=1']],
    [LOCAL.web2, ['--build-arg', 'VERSION=2']],
    [LOCAL.broken, ['--build-arg', 'VERSION=broken', '--build-arg', 'BROKEN=1']],
  ];
  for (const [tag, args] of builds) {
    await docker(socket, config, ['build', '-q', '-t', tag, ...args, WEB_CONTEXT]);
  }
  const caddyContext = mkdtempSync(join(workDir, 'caddy-'));
  try {
    writeCaddyContext(caddyContext);
    await docker(socket, config, ['build', '-q', '-t', LOCAL.proxy, caddyContext]);
  } finally {
    rmSync(caddyContext, { recursive: true, force: true });
  }
}

/**
 * Makes the images on the engine at `socket` (from the cache when possible), pushes them to
 * the registry, then removes them from that engine so every host starts with no images.
 */
export async function publishImages(o: {
  socket: string;
  workDir: string;
  cacheDir: string;
  registry: { address: string; username: string; password: string };
  log: (line: string) => void;
}): Promise<SandboxImages> {
  const config = join(o.workDir, 'docker-config');
  mkdirSync(config, { recursive: true, mode: 0o700 });
  const hash = imagesHash();
  const cacheTar = join(o.cacheDir, `images-${hash}.tar`);
  const locals = [BASE, LOCAL.web1, LOCAL.web2, LOCAL.broken, LOCAL.proxy];
  if (existsSync(cacheTar)) {
    o.log(`loading cached images ${cacheTar}`);
    await docker(o.socket, config, ['load', '-q', '-i', cacheTar]);
  } else {
    o.log('building images (deploy-base:1, web:1, web:2, web:broken, caddy:2)');
    await build(o.socket, config, o.workDir);
    mkdirSync(o.cacheDir, { recursive: true });
    const tmp = `${cacheTar}.${process.pid}.tmp`;
    await docker(o.socket, config, ['save', '-o', tmp, ...locals]);
    renameSync(tmp, cacheTar); // atomic: a concurrent bring-up never loads a half-written tar
  }
  const names = imageNames(o.registry.address);
  await docker(
    o.socket,
    config,
    ['login', '--username', o.registry.username, '--password-stdin', o.registry.address],
    o.registry.password,
  );
  const pairs: Array<[string, string]> = [
    [BASE, names.base],
    [LOCAL.web1, names.web1],
    [LOCAL.web2, names.web2],
    [LOCAL.broken, names.broken],
    [LOCAL.proxy, names.proxy],
  ];
  for (const [local, remote] of pairs) {
    await docker(o.socket, config, ['tag', local, remote]);
    await docker(o.socket, config, ['push', '-q', remote]);
  }
  await docker(o.socket, config, ['logout', o.registry.address]);
  await docker(o.socket, config, ['rmi', ...locals, ...pairs.map(([, r]) => r)]);
  await docker(o.socket, config, ['image', 'prune', '-f']);
  rmSync(config, { recursive: true, force: true });
  return names;
}
