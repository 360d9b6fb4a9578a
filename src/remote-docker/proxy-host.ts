// The proxy container on a host (SPEC §8.1, §8.5): `deploy-proxy-<inventory>` per engine,
// its route table (kept as JSON in its volume) and the per-host proxy lock. Pure: argv
// builders, constant scripts (data only ever on stdin or as separate arguments) and the
// table's own operations. The effects are in src/tasks/proxy.ts.
import { canonicalJson } from '../shared/canonical-json.js';
import { DEPLOY_DIR, DEPLOY_NETWORK, assertPathComponent } from './docker.js';
import { LABEL } from './labels.js';
import { LOCK_ACQUIRE_SCRIPT, LOCK_RELEASE_SCRIPT } from './lock.js';
import type { ProxyRoute, ProxySettings, ProxyTls } from './proxy-config.js';

/** What a host's proxy container is made from: the inventory's `proxy:` and its name. */
export interface ProxySpec {
  inventory: string;
  /** A Caddy 2 image (default `caddy:2`). */
  image: string;
  /** Published as the same number inside and outside. */
  httpPort: number;
  /** 0: no HTTPS listener. */
  httpsPort: number;
  /** `proxy.bind`: the host address the ports listen on; undefined: the network's default. */
  bind?: string;
  tls: ProxyTls;
  email?: string;
}

/** The label that marks a proxy container; its value is the spec it was made from. */
export const PROXY_LABEL = 'deploy.proxy';

/** Inside the container: Caddy's data (certificates, CA) and config (autosave) on the volume. */
export const PROXY_DATA_DIR = '/data';
/** The route table, on the volume, so a recreated proxy keeps it. */
export const PROXY_ROUTES_FILE = `${PROXY_DATA_DIR}/deploy/routes.json`;
/** The last configuration loaded (what `caddy reload` read). */
export const PROXY_CONFIG_FILE = `${PROXY_DATA_DIR}/deploy/caddy.json`;

/** @example proxyContainerName('production') // 'deploy-proxy-production' */
export function proxyContainerName(inventory: string): string {
  return `deploy-proxy-${assertPathComponent('inventory name', inventory)}`;
}

/** The named volume holding Caddy's data and config and the route table. */
export function proxyVolumeName(inventory: string): string {
  return proxyContainerName(inventory);
}

/** The proxy lock (SPEC §8.5): `.proxy` is no service name (those start with a letter or digit). */
export const PROXY_LOCK_DIR = `${DEPLOY_DIR}/locks/.proxy`;

/** The `deploy.proxy` label: the spec as canonical JSON, so a difference is visible. */
export function proxySpecLabel(spec: ProxySpec): string {
  const { inventory, image, httpPort, httpsPort, bind, tls, email } = spec;
  return canonicalJson({ inventory, image, httpPort, httpsPort, bind, tls, email });
}

/** The spec a proxy was made from, read back from its label; undefined when unreadable. */
export function parseProxySpecLabel(text: string | undefined): ProxySpec | undefined {
  if (!text) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const tls = r.tls;
  if (
    typeof r.inventory !== 'string' ||
    typeof r.image !== 'string' ||
    typeof r.httpPort !== 'number' ||
    typeof r.httpsPort !== 'number' ||
    (tls !== 'off' && tls !== 'internal' && tls !== 'acme')
  )
    return undefined;
  return {
    inventory: r.inventory,
    image: r.image,
    httpPort: r.httpPort,
    httpsPort: r.httpsPort,
    ...(typeof r.bind === 'string' ? { bind: r.bind } : {}),
    tls,
    ...(typeof r.email === 'string' ? { email: r.email } : {}),
  };
}

/** A change of the proxy's own settings, which only `deploy proxy restart` applies. */
export function proxyPending(running: ProxySpec | undefined, wanted: ProxySpec): boolean {
  return running === undefined || proxySpecLabel(running) !== proxySpecLabel(wanted);
}

/** The builder's settings for a proxy spec. */
export function settingsOf(spec: ProxySpec): ProxySettings {
  return {
    httpPort: spec.httpPort,
    httpsPort: spec.httpsPort,
    tls: spec.tls,
    ...(spec.email !== undefined ? { email: spec.email } : {}),
  };
}

/** The host ports a proxy publishes (https only when it listens). */
export function proxyPorts(spec: ProxySpec): number[] {
  return spec.httpsPort > 0 ? [spec.httpPort, spec.httpsPort] : [spec.httpPort];
}

/**
 * `docker create` for the proxy: labelled, on the `deploy` network, its ports published as
 * the same numbers (on `bind` when set), the volume on /data with Caddy's config dir there
 * too, started with `caddy run --resume` so a restart serves the last loaded config.
 */
export function proxyCreateArgv(spec: ProxySpec, host: string, name?: string): string[] {
  const argv = ['docker', 'create', '--name', name ?? proxyContainerName(spec.inventory)];
  argv.push('--label', `${PROXY_LABEL}=${proxySpecLabel(spec)}`);
  argv.push('--label', `${LABEL.inventory}=${spec.inventory}`);
  argv.push('--label', `${LABEL.host}=${host}`);
  argv.push('--network', DEPLOY_NETWORK, '--restart', 'unless-stopped');
  const at = spec.bind ? `${spec.bind.includes(':') ? `[${spec.bind}]` : spec.bind}:` : '';
  for (const port of proxyPorts(spec)) argv.push('-p', `${at}${port}:${port}/tcp`);
  argv.push('-v', `${proxyVolumeName(spec.inventory)}:${PROXY_DATA_DIR}`);
  argv.push('-e', `XDG_DATA_HOME=${PROXY_DATA_DIR}`);
  argv.push('-e', `XDG_CONFIG_HOME=${PROXY_DATA_DIR}/config`);
  argv.push(spec.image, 'caddy', 'run', '--resume');
  return argv;
}

const PS_FORMAT = `{${[
  '"Id":{{json .ID}}',
  '"Names":{{json .Names}}',
  '"State":{{json .State}}',
  `"Proxy":{{json (.Label ${JSON.stringify(PROXY_LABEL)})}}`,
  `"Inventory":{{json (.Label ${JSON.stringify(LABEL.inventory)})}}`,
].join(',')}}`;

/** Every proxy container on the engine (any inventory), one JSON line each. */
export function proxyListArgv(): string[] {
  return [
    'docker',
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=${PROXY_LABEL}`,
    '--format',
    PS_FORMAT,
  ];
}

/** Containers whose name contains this inventory's proxy name (exact match is the caller's). */
export function proxyNameArgv(inventory: string): string[] {
  const name = proxyContainerName(inventory);
  return ['docker', 'ps', '-a', '--no-trunc', '--filter', `name=${name}`, '--format', PS_FORMAT];
}

/** One container as `proxyListArgv`/`proxyNameArgv` print it. */
export interface ProxyContainer {
  id: string;
  name: string;
  state: string;
  /** Set when the container carries `deploy.proxy`. */
  isProxy: boolean;
  /** From the label; undefined for a foreign container or an unreadable label. */
  spec?: ProxySpec;
  inventory: string;
}

export function parseProxyList(stdout: string): ProxyContainer[] {
  const out: ProxyContainer[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const label = str(r.Proxy);
    const spec = parseProxySpecLabel(label);
    out.push({
      id: str(r.Id),
      name: str(r.Names).split(',')[0]!.replace(/^\//, ''),
      state: str(r.State),
      isProxy: label !== '',
      ...(spec ? { spec } : {}),
      inventory: str(r.Inventory),
    });
  }
  return out;
}

/** Reads the route table from the volume; prints nothing when there is none yet. */
export function readRoutesArgv(container: string): string[] {
  const script = `if [ -f ${PROXY_ROUTES_FILE} ]; then cat ${PROXY_ROUTES_FILE}; fi`;
  return ['docker', 'exec', container, 'sh', '-c', script];
}

/*
 * Loads a configuration and then keeps the table, in one `docker exec -i`. Stdin is the
 * table on one line (canonical JSON has no newline), then the Caddy JSON. The config goes
 * to a file on the volume and `caddy reload` reads it, retried while the admin endpoint is
 * not up yet (a proxy just started); the table is written (atomically) only once the
 * reload succeeded, so a refused config leaves the table as it was.
 */
export const RELOAD_SCRIPT = [
  'set -f',
  `d=${PROXY_DATA_DIR}/deploy`,
  'mkdir -p "$d" || exit 1',
  'IFS= read -r t || exit 1',
  'cat > "$d/caddy.json.new" || exit 1',
  'n=0',
  'until out=$(caddy reload --config "$d/caddy.json.new" 2>&1); do',
  '  n=$((n+1))',
  '  case $out in',
  '    *"connection refused"*) if [ "$n" -lt 60 ]; then sleep 0.25 2>/dev/null || sleep 1; continue; fi ;;',
  '  esac',
  `  printf '%s\\n' "$out" >&2; exit 1`,
  'done',
  'mv "$d/caddy.json.new" "$d/caddy.json" || exit 1',
  `printf '%s\\n' "$t" > "$d/routes.json.new" && mv "$d/routes.json.new" "$d/routes.json"`,
].join('\n');

/** `docker exec -i PROXY sh -c RELOAD_SCRIPT`: stdin is `reloadStdin(table, config)`. */
export function reloadArgv(container: string): string[] {
  return ['docker', 'exec', '-i', container, 'sh', '-c', RELOAD_SCRIPT];
}

export function reloadStdin(table: RouteTable, config: string): string {
  return `${renderRouteTable(table)}\n${config}\n`;
}

/** Takes the proxy lock: stdin is holder.json; exit 75 when held (as `lockAcquireArgv`). */
export function proxyLockAcquireArgv(): string[] {
  return ['sh', '-c', LOCK_ACQUIRE_SCRIPT, 'sh', PROXY_LOCK_DIR];
}

/** Gives the proxy lock back when `run` still holds it. */
export function proxyLockReleaseArgv(run: string): string[] {
  return [
    'sh',
    '-c',
    LOCK_RELEASE_SCRIPT,
    'sh',
    assertPathComponent('run id', run),
    PROXY_LOCK_DIR,
    '--',
  ];
}

/** One proxied task's route: the table's unit, keyed by host, service, job and task. */
export interface RouteEntry {
  /** The inventory host the task runs on. */
  host: string;
  service: string;
  job: string;
  task: string;
  hosts: string[];
  path: string;
  port: number;
  health?: string;
  holdMs: number;
  /** The serving container's ID (full or short); the route dials its 12-digit alias. */
  upstream: string;
}

export interface RouteTable {
  entries: RouteEntry[];
}

export const EMPTY_TABLE: RouteTable = { entries: [] };

export const entryKey = (e: Pick<RouteEntry, 'host' | 'service' | 'job' | 'task'>): string =>
  `${e.host}\u0000${e.service}\u0000${e.job}\u0000${e.task}`;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The table with its entries in key order (what is written). */
export function sortTable(t: RouteTable): RouteTable {
  return { entries: [...t.entries].sort((a, b) => compare(entryKey(a), entryKey(b))) };
}

/** Canonical JSON on one line; equal tables give equal text. */
export function renderRouteTable(t: RouteTable): string {
  return canonicalJson({ version: 1, entries: sortTable(t).entries });
}

/** The table `readRoutesArgv` printed; empty output is the empty table. */
export function parseRouteTable(text: string): RouteTable {
  if (text.trim() === '') return { entries: [] };
  const raw = JSON.parse(text) as { version?: unknown; entries?: unknown };
  if (raw.version !== 1 || !Array.isArray(raw.entries))
    throw new Error('the route table is not a version 1 table');
  return { entries: raw.entries.map(parseEntry) };
}

function parseEntry(value: unknown): RouteEntry {
  const r = (value ?? {}) as Record<string, unknown>;
  const s = (k: string): string => {
    if (typeof r[k] !== 'string') throw new Error(`a route table entry has no ${k}`);
    return r[k] as string;
  };
  const n = (k: string): number => {
    if (typeof r[k] !== 'number') throw new Error(`a route table entry has no ${k}`);
    return r[k] as number;
  };
  const hosts = Array.isArray(r.hosts) ? r.hosts.filter((h) => typeof h === 'string') : [];
  return {
    host: s('host'),
    service: s('service'),
    job: s('job'),
    task: s('task'),
    hosts,
    path: s('path'),
    port: n('port'),
    ...(typeof r.health === 'string' ? { health: r.health } : {}),
    holdMs: n('holdMs'),
    upstream: s('upstream'),
  };
}

/** Adds the entry, or replaces the one with its key. */
export function setEntry(t: RouteTable, e: RouteEntry): RouteTable {
  return { entries: [...t.entries.filter((x) => entryKey(x) !== entryKey(e)), e] };
}

export function removeEntries(t: RouteTable, drop: (e: RouteEntry) => boolean): RouteTable {
  return { entries: t.entries.filter((e) => !drop(e)) };
}

/**
 * The builder's routes: one per service/job, its tasks' containers served round-robin. The
 * route's settings are the newest-keyed entry's (a job's entries agree once it has rolled).
 */
export function tableRoutes(t: RouteTable): ProxyRoute[] {
  const byJob = new Map<string, RouteEntry[]>();
  for (const e of sortTable(t).entries) {
    const key = `${e.service}\u0000${e.job}`;
    byJob.set(key, [...(byJob.get(key) ?? []), e]);
  }
  return [...byJob.values()].map((entries) => {
    const last = entries[entries.length - 1]!;
    return {
      service: last.service,
      job: last.job,
      hosts: last.hosts,
      path: last.path,
      port: last.port,
      // Docker's alias for a container on a network is its short (12-digit) ID, not the full one.
      upstreams: [...new Set(entries.map((e) => e.upstream.slice(0, 12)))].sort(),
      ...(last.health !== undefined ? { health: last.health } : {}),
      holdMs: last.holdMs,
    };
  });
}

/** The services whose entries differ between two tables (what an edit touched). */
export function editedServices(before: RouteTable, after: RouteTable): string[] {
  const text = (t: RouteTable) =>
    new Map(t.entries.map((e) => [entryKey(e), canonicalJson(e)] as const));
  const a = text(before);
  const b = text(after);
  const touched = new Set<string>();
  for (const e of [...before.entries, ...after.entries]) {
    const k = entryKey(e);
    if (a.get(k) !== b.get(k)) touched.add(e.service);
  }
  return [...touched].sort();
}
