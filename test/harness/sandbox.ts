// The real SSH + Docker test bed: N hosts on loopback addresses, each an OpenSSH sshd whose
// sessions reach that host's own dockerd (or, with sharedEngine, one dockerd for all), a
// registry with basic auth, locally built images, and client key/known_hosts/ssh_config.
// Everything it starts is recorded in <root>/state.json so `down` stops exactly that.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claim, release, claimHolder } from './claims.js';
import { clientPaths, ensureClientKey, writeClientFiles } from './client.js';
import { startEngine, stopEngine, ping, type EngineState } from './engine.js';
import { publishImages, imageNames, imagesHash, type SandboxImages } from './images.js';
import { ensurePackages, BROWSER } from './packages.js';
import { isAlive, readPidFile, stopPid } from './proc.js';
import { startRegistry, registryGet, type RegistryState } from './registry.js';
import {
  sshdPaths,
  writeSshdConfig,
  startSshdAt,
  stopSshdAt,
  hostPublicKey,
  ensureShellUsers,
  removeShellHomes,
} from './sshd.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_ROOT = join(REPO_ROOT, '.sandbox');
/** Built images are cached here across bring-ups (node_modules/ is git-ignored). */
export const IMAGE_CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'deploy-sandbox');

export interface SandboxHost {
  name: string; // 'h1', 'h2', …
  address: string; // '127.0.0.11', …
  port: number; // sshd port (22)
  dockerHost: string; // 'unix:///…/docker.sock' — this host's engine, for direct checks
  sshdPid: number;
}

export interface Sandbox {
  root: string;
  hosts: SandboxHost[];
  user: string;
  clientKey: string;
  knownHosts: string;
  sshConfig: string;
  sshdLog(host: string): string;
  registry: { address: string; username: string; password: string };
  images: SandboxImages;
}

/** What the state file holds, and what vitest's provide/inject carries (plain JSON). */
export interface SandboxData extends Omit<Sandbox, 'sshdLog'> {
  sshdLogs: Record<string, string>;
  sharedEngine: boolean;
}

interface State extends SandboxData {
  version: 1;
  engines: EngineState[];
  registryState?: RegistryState;
  imagesHash?: string;
  /** address:port pairs this sandbox claimed. */
  claims: Array<[string, number]>;
  /** Written only for the default root, for `deploy -i sandbox`. */
  secretsFile?: string;
}

export interface SandboxUpOptions {
  hosts: number;
  sharedEngine?: boolean;
  root?: string;
  /** Last octet of the first host's address (127.0.0.<addressBase>); default 11. */
  addressBase?: number;
  /** When the addresses are taken, try the next blocks of 10 instead of failing. */
  searchAddresses?: boolean;
  /** Registry port on 127.0.0.1; default 5000. With searchAddresses, the next free one. */
  registryPort?: number;
  log?: (line: string) => void;
  /** Also install chromium when missing (the test suite's browser tests need it). */
  withBrowser?: boolean;
}

const statePath = (root: string) => join(root, 'state.json');

function saveState(s: State): void {
  const tmp = `${statePath(s.root)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, statePath(s.root));
}

function readState(root: string): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath(root), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

/** Restores the sshdLog accessor on a sandbox that went through JSON (state file, inject). */
export function sandboxFrom(data: SandboxData): Sandbox & SandboxData {
  return {
    ...data,
    sshdLog(host: string): string {
      const p = data.sshdLogs[host];
      if (!p) throw new Error(`no sandbox host ${host}`);
      return p;
    },
  };
}

/** The plain-JSON view of a sandbox (for vitest's provide). */
export function sandboxData(sb: Sandbox & Partial<SandboxData>): SandboxData {
  return {
    root: sb.root,
    hosts: sb.hosts,
    user: sb.user,
    clientKey: sb.clientKey,
    knownHosts: sb.knownHosts,
    sshConfig: sb.sshConfig,
    registry: sb.registry,
    images: sb.images,
    sshdLogs: Object.fromEntries(sb.hosts.map((h) => [h.name, sb.sshdLog(h.name)])),
    sharedEngine: sb.sharedEngine ?? false,
  };
}

export function readSandbox(root: string = DEFAULT_ROOT): (Sandbox & SandboxData) | undefined {
  const s = readState(root);
  if (!s || !s.images) return undefined;
  return sandboxFrom(s);
}

function hostDir(root: string, name: string): string {
  return join(root, 'hosts', name);
}

function addressFor(base: number, i: number): string {
  const octet = base + i;
  if (octet < 2 || octet > 254) throw new Error(`sandbox address 127.0.0.${octet} is out of range`);
  return `127.0.0.${octet}`;
}

/** Everything still running and as asked: then `up` has nothing to do. */
async function isHealthy(s: State, opts: SandboxUpOptions): Promise<boolean> {
  if (s.hosts.length !== opts.hosts || s.sharedEngine !== (opts.sharedEngine ?? false))
    return false;
  if (opts.addressBase !== undefined && s.hosts[0]?.address !== addressFor(opts.addressBase, 0))
    return false;
  if (s.imagesHash !== imagesHash()) return false;
  for (const h of s.hosts)
    if (!isAlive(readPidFile(join(hostDir(s.root, h.name), 'sshd.pid')))) return false;
  for (const e of s.engines) if (!isAlive(e.pid) || !(await ping(e.socket))) return false;
  if (!s.registryState || !isAlive(s.registryState.pid)) return false;
  try {
    return (await registryGet(s.registry, '/v2/web/tags/list')).status === 200;
  } catch {
    return false;
  }
}

async function claimAddresses(
  root: string,
  opts: SandboxUpOptions,
): Promise<{ addresses: string[]; registry: string; claims: Array<[string, number]> }> {
  const n = opts.hosts;
  const first = opts.addressBase ?? 11;
  const claims: Array<[string, number]> = [];
  const undo = () => {
    for (const [a, p] of claims.splice(0)) release(root, a, p);
  };
  let addresses: string[] | undefined;
  const blockStep = Math.max(10, Math.ceil(n / 10) * 10);
  for (let base = first; base + n - 1 <= 254; base += blockStep) {
    const candidate = Array.from({ length: n }, (_, i) => addressFor(base, i));
    let ok = true;
    for (const a of candidate) {
      if (await claim(root, a, 22)) claims.push([a, 22]);
      else {
        ok = false;
        break;
      }
    }
    if (ok) {
      addresses = candidate;
      break;
    }
    const taken = candidate.find((a) => !claims.some(([c]) => c === a));
    undo();
    if (!opts.searchAddresses) {
      const holder = taken ? claimHolder(taken, 22) : undefined;
      throw new Error(
        `sandbox address ${taken}:22 is already in use${holder ? ` by the sandbox in ${holder}` : ''}; ` +
          'run `npm run sandbox -- down` for that sandbox, or choose another address base',
      );
    }
  }
  if (!addresses) throw new Error(`no free block of ${n} loopback addresses from 127.0.0.${first}`);
  let port = opts.registryPort ?? 5000;
  for (;;) {
    if (await claim(root, '127.0.0.1', port)) {
      claims.push(['127.0.0.1', port]);
      break;
    }
    if (!opts.searchAddresses || port > (opts.registryPort ?? 5000) + 50) {
      undo();
      const holder = claimHolder('127.0.0.1', port);
      throw new Error(
        `registry address 127.0.0.1:${port} is already in use${holder ? ` by the sandbox in ${holder}` : ''}`,
      );
    }
    port++;
  }
  return { addresses, registry: `127.0.0.1:${port}`, claims };
}

export async function sandboxUp(opts: SandboxUpOptions): Promise<Sandbox & SandboxData> {
  const root = resolve(opts.root ?? DEFAULT_ROOT);
  const log = opts.log ?? (() => undefined);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1)
    throw new Error('hosts must be a positive integer');
  const existing = readState(root);
  if (existing) {
    if (await isHealthy(existing, opts)) {
      log(`sandbox in ${root} is already up`);
      return sandboxFrom(existing);
    }
    log(`sandbox in ${root} is stale or differs: replacing it`);
    await sandboxDown(root);
  }
  await ensurePackages(log, opts.withBrowser ? BROWSER : []);
  await ensureShellUsers();
  mkdirSync(root, { recursive: true });
  // The sandbox dir is never content for git, wherever it lives.
  writeFileSync(join(root, '.gitignore'), '*\n');
  const { addresses, registry: registryAddress, claims } = await claimAddresses(root, opts);
  const client = clientPaths(root);
  const sharedEngine = opts.sharedEngine ?? false;
  const s: State = {
    version: 1,
    root,
    hosts: [],
    user: 'root',
    clientKey: client.key,
    knownHosts: client.knownHosts,
    sshConfig: client.sshConfig,
    registry: { address: registryAddress, username: 'deploy', password: '' },
    images: imageNames(registryAddress),
    sshdLogs: {},
    sharedEngine,
    engines: [],
    claims,
  };
  saveState(s);
  try {
    await ensureClientKey(client);
    log(
      `starting ${sharedEngine ? '1 shared engine' : `${addresses.length} engines`} and the registry on ${registryAddress}`,
    );
    const engineAddresses = sharedEngine ? [addresses[0]!] : addresses;
    const setEngine = (e: EngineState) => {
      const i = s.engines.findIndex((x) => x.name === e.name);
      if (i >= 0) s.engines[i] = e;
      else s.engines.push(e);
      saveState(s);
    };
    const [engines, reg] = await Promise.all([
      Promise.all(
        engineAddresses.map((a, i) => {
          const name = sharedEngine ? 'shared' : `h${i + 1}`;
          return startEngine(name, join(root, 'engines', name), a, setEngine);
        }),
      ),
      startRegistry(join(root, 'registry'), registryAddress, undefined, (r) => {
        s.registryState = r;
        s.registry.password = r.password;
        saveState(s);
      }),
    ]);
    s.registryState = reg;
    s.registry.password = reg.password;
    saveState(s);

    const imagesP = publishImages({
      socket: engines[0]!.socket,
      workDir: join(root, 'build'),
      cacheDir: IMAGE_CACHE,
      registry: s.registry,
      log,
    });

    log(`starting ${addresses.length} sshd`);
    const hostKeys: Array<{ name: string; address: string; port: number; hostKey: string }> = [];
    for (const [i, address] of addresses.entries()) {
      const name = `h${i + 1}`;
      const engine = sharedEngine ? engines[0]! : engines[i]!;
      const p = sshdPaths(hostDir(root, name));
      const dockerHost = `unix://${engine.socket}`;
      await writeSshdConfig(p, {
        address,
        port: 22,
        dockerHost,
        authorizedKeys: client.authorizedKeys,
      });
      const pid = await startSshdAt(p);
      s.hosts.push({ name, address, port: 22, dockerHost, sshdPid: pid });
      s.sshdLogs[name] = p.log;
      saveState(s);
      hostKeys.push({ name, address, port: 22, hostKey: hostPublicKey(p) });
    }
    writeClientFiles(client, s.user, hostKeys);

    s.images = await imagesP;
    s.imagesHash = imagesHash();
    if (root === resolve(DEFAULT_ROOT)) {
      // `deploy -i sandbox` reads REGISTRY_PASSWORD from here (inventories/sandbox.yml), and
      // the example service's secrets from .secrets.example/, so the quick start deploys as is.
      const secrets = join(REPO_ROOT, '.secrets', 'sandbox.env');
      mkdirSync(dirname(secrets), { recursive: true, mode: 0o700 });
      writeFileSync(secrets, sandboxSecrets(s.registry.password), { mode: 0o600 });
      s.secretsFile = secrets;
    }
    writeFileSync(join(root, 'inventory.yml'), inventoryYaml(s));
    saveState(s);
    return sandboxFrom(s);
  } catch (e) {
    log(`bring-up failed, tearing down: ${e instanceof Error ? e.message : String(e)}`);
    await sandboxDown(root).catch(() => undefined);
    throw e;
  }
}

/** An inventory for this sandbox with absolute paths (the committed inventories/sandbox.yml
 * is the same for the default sandbox with repo-relative paths). */
/**
 * An inventory over sandbox hosts, as a user would write it: the one committed as
 * `inventories/sandbox.yml`, and the ones tests and the benchmark write for their beds.
 */
export function inventoryYaml(
  sb: Pick<SandboxData, 'user' | 'clientKey' | 'knownHosts' | 'registry'> & {
    hosts: Array<Pick<SandboxHost, 'name' | 'address' | 'port'>>;
  },
  opts: { group?: string; connectTimeout?: string } = {},
): string {
  const zone = (i: number) => (i === 0 ? 'a' : 'b');
  const port = (p: number) => (p === 22 ? '' : `, port: ${p}`);
  return [
    'defaults:',
    `  user: ${sb.user}`,
    '  port: 22',
    `  identity_file: ${sb.clientKey}`,
    `  known_hosts: ${sb.knownHosts}`,
    ...(opts.connectTimeout ? [`  connect_timeout: ${opts.connectTimeout}`] : []),
    'hosts:',
    ...sb.hosts.map(
      (h, i) =>
        `  ${h.name}: { address: ${h.address}${port(h.port)}, labels: { zone: ${zone(i)} } }`,
    ),
    'groups:',
    `  ${opts.group ?? 'web'}: [${sb.hosts.map((h) => h.name).join(', ')}]`,
    'vars:',
    `  registry: ${sb.registry.address}`,
    'registry:',
    `  server: ${sb.registry.address}`,
    `  username: ${sb.registry.username}`,
    '  password_secret: REGISTRY_PASSWORD',
    '',
  ].join('\n');
}

export async function sandboxDown(root: string = DEFAULT_ROOT): Promise<void> {
  root = resolve(root);
  const s = readState(root);
  if (!s) return;
  await Promise.all(s.hosts.map((h) => stopSshdAt(sshdPaths(hostDir(root, h.name)), h.sshdPid)));
  for (const h of s.hosts) removeShellHomes(h.address);
  if (s.registryState) await stopPid(s.registryState.pid, 10_000);
  await Promise.all(s.engines.map((e) => stopEngine(e)));
  if (s.secretsFile && existsSync(s.secretsFile)) {
    const content = readFileSync(s.secretsFile, 'utf8');
    if (content === sandboxSecrets(s.registry.password)) rmSync(s.secretsFile, { force: true });
  }
  for (const [a, p] of s.claims ?? []) release(root, a, p);
  rmSync(root, { recursive: true, force: true });
}

function sandboxSecrets(registryPassword: string): string {
  let example = '';
  try {
    example = readFileSync(join(REPO_ROOT, '.secrets.example', 'sandbox.env'), 'utf8');
  } catch {
    // no example secrets: the registry password alone
  }
  const lines = example
    .split('\n')
    .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l) && !l.startsWith('REGISTRY_PASSWORD='));
  return [...lines, `REGISTRY_PASSWORD=${registryPassword}`].join('\n') + '\n';
}

function findHost(sb: Sandbox, host: string): SandboxHost {
  const h = sb.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no sandbox host ${host}`);
  return h;
}

/** Kills that host's sshd by PID ("the host dies"); its engine keeps running. */
export async function stopSshd(sb: Sandbox, host: string): Promise<void> {
  const h = findHost(sb, host);
  await stopSshdAt(sshdPaths(hostDir(sb.root, h.name)), h.sshdPid);
}

/** Brings that host's sshd back with the same keys and config. */
export async function startSshd(sb: Sandbox, host: string): Promise<void> {
  const h = findHost(sb, host);
  const pid = await startSshdAt(sshdPaths(hostDir(sb.root, h.name)));
  h.sshdPid = pid;
  const s = readState(sb.root);
  const sh = s?.hosts.find((x) => x.name === host);
  if (s && sh) {
    sh.sshdPid = pid;
    saveState(s);
  }
}
