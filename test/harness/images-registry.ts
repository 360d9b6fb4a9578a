// The registry image of the test bed's "laptop" (SPEC §8.2), made offline because nothing can
// be pulled: busybox + Debian's dynamically linked `docker-registry` + the libraries `ldd`
// lists + a minimal config, `docker import`ed. The image carries no credential: a run copies
// its htpasswd file in with `docker cp` between `create` and `start`. Saved to a cache
// tarball keyed by the inputs' hash, like the images of ./images.ts.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './proc.js';

const BUSYBOX = '/bin/busybox';
const REGISTRY_BIN = '/usr/bin/docker-registry';
/** Where a run puts its htpasswd file (the config points there). */
export const REGISTRY_HTPASSWD = '/auth/htpasswd';
/** The port the registry listens on inside its container. */
export const REGISTRY_CONTAINER_PORT = 5000;

const CONFIG = [
  'version: 0.1',
  'log: { level: warn }',
  'storage:',
  '  filesystem: { rootdirectory: /var/lib/registry }',
  '  delete: { enabled: true }',
  'http:',
  `  addr: ":${REGISTRY_CONTAINER_PORT}"`,
  'auth:',
  `  htpasswd: { realm: deploy-local, path: ${REGISTRY_HTPASSWD} }`,
  '',
].join('\n');

/** The shared libraries `ldd` lists for `bin` (absolute paths, the loader included). */
export async function lddLibraries(bin: string): Promise<string[]> {
  const { stdout } = await run('ldd', [bin]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs].sort();
}

async function inputsHash(libs: string[]): Promise<string> {
  const h = createHash('sha256');
  h.update('registry-v1'); // bump when the way the image is made changes
  h.update(CONFIG);
  for (const f of [BUSYBOX, REGISTRY_BIN, ...libs]) {
    h.update(f);
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

function docker(dockerHost: string, args: string[]) {
  return run('docker', args, {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    timeoutMs: 300_000,
  });
}

async function importImage(
  dockerHost: string,
  tag: string,
  libs: string[],
  workDir: string,
): Promise<void> {
  const rootfs = mkdtempSync(join(workDir, 'registry-rootfs-'));
  try {
    const put = (src: string, dest: string, mode: number) => {
      mkdirSync(join(rootfs, dirname(dest)), { recursive: true });
      copyFileSync(src, join(rootfs, dest));
      chmodSync(join(rootfs, dest), mode);
    };
    put(BUSYBOX, 'bin/busybox', 0o755);
    for (const applet of ['sh', 'ls', 'cat', 'wget'])
      symlinkSync('busybox', join(rootfs, 'bin', applet));
    put(REGISTRY_BIN, 'bin/registry', 0o755);
    for (const lib of libs) put(lib, lib.slice(1), 0o755);
    mkdirSync(join(rootfs, 'etc/docker/registry'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/docker/registry/config.yml'), CONFIG);
    for (const d of ['auth', 'tmp', 'var/lib/registry'])
      mkdirSync(join(rootfs, d), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const tar = join(workDir, 'registry-rootfs.tar');
    await run('tar', ['-C', rootfs, '-cf', tar, '.']);
    const cmd = JSON.stringify(['/bin/registry', 'serve', '/etc/docker/registry/config.yml']);
    await run(
      'sh',
      [
        '-c',
        'docker import -c "CMD $1" -c "EXPOSE $2" - "$3" < "$4"',
        'sh',
        cmd,
        String(REGISTRY_CONTAINER_PORT),
        tag,
        tar,
      ],
      {
        env: { ...process.env, DOCKER_HOST: dockerHost },
        timeoutMs: 300_000,
      },
    );
    rmSync(tar, { force: true });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * Makes sure the engine at `dockerHost` has the registry image (from the cache when
 * possible) and returns its tag, `deploy-registry:<inputs hash>`.
 */
export async function ensureRegistryImage(o: {
  dockerHost: string;
  workDir: string;
  cacheDir: string;
  log?: (line: string) => void;
}): Promise<string> {
  const libs = await lddLibraries(REGISTRY_BIN);
  const hash = await inputsHash(libs);
  const tag = `deploy-registry:${hash}`;
  const have = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], {
    env: { ...process.env, DOCKER_HOST: o.dockerHost },
    check: false,
  });
  if (have.code === 0) return tag;
  const cacheTar = join(o.cacheDir, `registry-${hash}.tar`);
  if (existsSync(cacheTar)) {
    o.log?.(`loading cached registry image ${cacheTar}`);
    await docker(o.dockerHost, ['load', '-q', '-i', cacheTar]);
    return tag;
  }
  o.log?.(`building ${tag} (busybox + docker-registry + ${libs.length} libraries)`);
  mkdirSync(o.workDir, { recursive: true });
  await importImage(o.dockerHost, tag, libs, o.workDir);
  mkdirSync(o.cacheDir, { recursive: true });
  const tmp = `${cacheTar}.${process.pid}.tmp`;
  await docker(o.dockerHost, ['save', '-o', tmp, tag]);
  renameSync(tmp, cacheTar); // atomic: a concurrent run never loads a half-written tar
  return tag;
}
