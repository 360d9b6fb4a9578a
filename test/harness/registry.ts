// The sandbox registry: Debian's docker-registry (distribution 2.8) with htpasswd basic auth
// on a loopback address; storage inside the sandbox dir. Loopback registries need no TLS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { run, spawnDaemon, waitFor, isAlive } from './proc.js';

export interface RegistryState {
  address: string; // host:port
  username: string;
  password: string;
  pid: number;
  dir: string;
  log: string;
}

export function registryGet(
  reg: Pick<RegistryState, 'address' | 'username' | 'password'>,
  path: string,
  auth = true,
): Promise<{ status: number; body: string }> {
  const [host, port] = reg.address.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path,
        timeout: 3000,
        headers: auth
          ? {
              Authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`,
            }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function startRegistry(
  dir: string,
  address: string,
  password: string | undefined,
  onState: (s: RegistryState) => void,
): Promise<RegistryState> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const state: RegistryState = {
    address,
    username: 'deploy',
    password: password ?? randomBytes(12).toString('hex'),
    pid: 0,
    dir,
    log: join(dir, 'registry.log'),
  };
  const htpasswd = join(dir, 'htpasswd');
  const { stdout } = await run('htpasswd', ['-Bbn', state.username, state.password]);
  writeFileSync(htpasswd, stdout, { mode: 0o600 });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      'storage:',
      `  filesystem: { rootdirectory: ${join(dir, 'data')} }`,
      '  delete: { enabled: true }',
      'http:',
      `  addr: ${address}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      `  htpasswd: { realm: deploy-sandbox, path: ${htpasswd} }`,
      '',
    ].join('\n'),
  );
  state.pid = spawnDaemon('docker-registry', ['serve', config], state.log);
  onState(state);
  await waitFor(
    `registry on ${address} (log: ${state.log})`,
    async () => {
      if (!isAlive(state.pid)) throw new Error('docker-registry exited');
      const r = await registryGet(state, '/v2/');
      return r.status === 200 ? true : undefined;
    },
    20_000,
  );
  return state;
}
