/**
 * The proxy on each host (SPEC §8.1, §8.5), as effects over the run's connection: the
 * container `deploy-proxy-<inventory>` (created when missing, refused when its name or its
 * ports belong to something else), and its route table, changed only under the host's
 * proxy lock (`~/.deploy/locks/.proxy`) for one read–modify–reload. The argv and scripts are
 * in remote-docker/proxy-host.ts; the Caddy JSON in remote-docker/proxy-config.ts.
 */
import os from 'node:os';
import {
  type BatchStep,
  type ProxyContainer,
  type ProxySpec,
  type RouteEntry,
  type RouteTable,
  LOCK_HELD_EXIT,
  editedServices,
  ensureNetworkArgv,
  holderJson,
  parseHeld,
  parseProxyList,
  parseRouteTable,
  portTakenMessage,
  proxyContainerName,
  proxyCreateArgv,
  proxyListArgv,
  proxyLockAcquireArgv,
  proxyLockReleaseArgv,
  proxyNameArgv,
  proxyPending,
  proxyPorts,
  proxyVolumeName,
  readRoutesArgv,
  reloadArgv,
  reloadStdin,
  removeArgv,
  removeEntries,
  renameArgv,
  renderProxyConfig,
  settingsOf,
  sortTable,
  startArgv,
  stopArgv,
  tableRoutes,
  dockerError,
  dockerErrorLine,
} from '../remote-docker/index.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { OperationError } from '../shared/errors.js';
import type { HostDocker } from './host-docker.js';
import { describeHolder } from './locks.js';

export type ProxyErrorKind = 'foreign' | 'ports' | 'bind' | 'missing' | 'reload' | 'locked';

/** A host's proxy cannot serve this run: that host's proxied tasks fail (exit 1). */
export class ProxyError extends OperationError {
  constructor(
    readonly host: string,
    readonly kind: ProxyErrorKind,
    message: string,
    hint?: string,
  ) {
    super(`${host}: ${message}`, hint);
    this.name = 'ProxyError';
  }
}

/** Who changes the table: written to the lock's holder.json like a service lock's. */
export interface ProxyMeta {
  user: string;
  command: string;
  run: string;
  clock?: Clock;
}

export interface ProxyState {
  container: string;
  id: string;
  running: boolean;
  /** The spec it was made from (its label). */
  spec: ProxySpec;
  /** The wanted spec differs: only `deploy proxy restart` applies it. */
  pending: boolean;
  /** This call created it. */
  created: boolean;
}

/** How long a run waits for another run's proxy lock by default: it is held for seconds. */
export const PROXY_LOCK_WAIT_MS = 30_000;

/** What one round trip says about the engine's proxies. */
interface Look {
  /** The container holding our name, whatever it is. */
  named?: ProxyContainer;
  /** Every proxy on the engine. */
  proxies: ProxyContainer[];
}

function lookFrom(inventory: string, list: string, named: string): Look {
  const name = proxyContainerName(inventory);
  return {
    named: parseProxyList(named).find((c) => c.name === name),
    proxies: parseProxyList(list),
  };
}

const lookSteps = (inventory: string): BatchStep[] => [
  { argv: proxyListArgv() },
  { argv: proxyNameArgv(inventory) },
];

/** Ours: the name holder is a proxy of this inventory. */
function oursIn(look: Look, inventory: string): ProxyContainer | undefined {
  const n = look.named;
  return n && n.isProxy && n.inventory === inventory ? n : undefined;
}

/** The name held by something else, or our ports held by another inventory's proxy. */
export function proxyRefusal(host: string, spec: ProxySpec, look: Look): ProxyError | undefined {
  const name = proxyContainerName(spec.inventory);
  const n = look.named;
  if (n && !(n.isProxy && n.inventory === spec.inventory))
    return new ProxyError(
      host,
      'foreign',
      `the name ${name} is held by a container that is not this inventory's proxy (${n.id.slice(0, 12)}${n.inventory ? `, inventory ${n.inventory}` : ''})`,
      'remove or rename that container; deploy never changes it',
    );
  const ours = new Set(proxyPorts(spec));
  for (const p of look.proxies) {
    if (p.name === name || p.state !== 'running' || !p.spec) continue;
    if (spec.bind && p.spec.bind && spec.bind !== p.spec.bind) continue;
    const shared = proxyPorts(p.spec).filter((port) => ours.has(port));
    if (shared.length > 0)
      return new ProxyError(
        host,
        'ports',
        `port${shared.length > 1 ? 's' : ''} ${shared.join(', ')} ${shared.length > 1 ? 'are' : 'is'} held by ${p.name}, the proxy of inventory ${p.inventory}`,
        'give one inventory other proxy ports (or a proxy.bind address); deploy never touches another inventory\u2019s proxy',
      );
  }
  return undefined;
}

function stateOf(c: ProxyContainer, wanted: ProxySpec, created: boolean): ProxyState {
  return {
    container: c.name,
    id: c.id,
    running: c.state === 'running',
    spec: c.spec ?? wanted,
    pending: proxyPending(c.spec, wanted),
    created,
  };
}

async function look(host: HostDocker, inventory: string, withNetwork: boolean): Promise<Look> {
  const steps = [
    ...(withNetwork ? [{ argv: ensureNetworkArgv(host.spec) }] : []),
    ...lookSteps(inventory),
  ];
  const results = await host.batch(steps);
  steps.forEach((s, i) => host.check(s, results[i]));
  const [list, named] = results.slice(withNetwork ? 1 : 0);
  return lookFrom(inventory, list!.stdout, named!.stdout);
}

/**
 * The host's proxy, created (and its table loaded) when missing, started when stopped.
 * Throws ProxyError: the name or the ports belong to something else, or a port cannot be
 * bound (the container just created is removed again). Safe against a concurrent run
 * creating it at the same time.
 */
export async function ensureProxy(
  host: HostDocker,
  spec: ProxySpec,
  meta: ProxyMeta,
): Promise<ProxyState> {
  for (let attempt = 0; ; attempt++) {
    const seen = await look(host, spec.inventory, true);
    const refusal = proxyRefusal(host.name, spec, seen);
    if (refusal) throw refusal;
    const ours = oursIn(seen, spec.inventory);
    if (ours?.state === 'running') return stateOf(ours, spec, false);
    if (ours) {
      const r = await host.run(startArgv(ours.name));
      if (r.code !== 0) throw bindError(host, r.stderr);
      return { ...stateOf(ours, spec, false), running: true };
    }
    const created = await host.run(proxyCreateArgv(spec, host.name));
    if (created.code !== 0) {
      // Lost a race with a run creating it too: look again.
      if (dockerError(created.stderr) === 'name-conflict' && attempt < 2) continue;
      throw new ProxyError(
        host.name,
        'bind',
        `cannot create ${proxyContainerName(spec.inventory)}: ${dockerErrorLine(created.stderr)}`,
      );
    }
    const id = created.stdout.trim();
    const started = await host.run(startArgv(id));
    if (started.code !== 0) {
      await host.run(removeArgv(id, { force: true }));
      throw bindError(host, started.stderr);
    }
    await editRoutes(host, spec.inventory, meta, (t) => t, { services: [] });
    const name = proxyContainerName(spec.inventory);
    return {
      container: name,
      id,
      running: true,
      spec,
      pending: false,
      created: true,
    };
  }
}

function bindError(host: HostDocker, stderr: string): ProxyError {
  return new ProxyError(
    host.name,
    'bind',
    `the proxy cannot listen: ${portTakenMessage(stderr, host.name) ?? dockerErrorLine(stderr)}`,
  );
}

/** The host's route table as its proxy keeps it (empty when there is no proxy). */
export async function readRoutes(host: HostDocker, inventory: string): Promise<RouteTable> {
  const steps: BatchStep[] = [
    { argv: proxyNameArgv(inventory) },
    { argv: readRoutesArgv(proxyContainerName(inventory)), mayFail: true },
  ];
  const [named, table] = await host.batch(steps);
  host.check(steps[0]!, named);
  const ours = oursIn(lookFrom(inventory, '', named!.stdout), inventory);
  if (!ours) return { entries: [] };
  if (table?.code !== 0)
    throw new ProxyError(
      host.name,
      'missing',
      `cannot read the route table of ${ours.name}: ${dockerErrorLine(table?.stderr ?? '')}`,
    );
  return parseRouteTable(table.stdout);
}

/** What the lock round trip read: the proxies, and our table when our proxy runs. */
interface Locked {
  look: Look;
  ours?: ProxyContainer;
  table: RouteTable;
}

/** Takes the proxy lock (waiting while another run holds it) and reads, in one round trip. */
async function lockAndRead(
  host: HostDocker,
  inventory: string,
  meta: ProxyMeta,
  waitMs: number,
): Promise<Locked> {
  const clock = meta.clock ?? systemClock;
  const holder = holderJson({
    user: meta.user,
    machine: os.hostname(),
    pid: process.pid,
    command: meta.command,
    start: new Date(clock.now()).toISOString(),
    run: meta.run,
  });
  const steps: BatchStep[] = [
    { argv: proxyLockAcquireArgv(), stdin: true },
    ...lookSteps(inventory),
    { argv: readRoutesArgv(proxyContainerName(inventory)), mayFail: true },
  ];
  const deadline = clock.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    const results = await host.batch(steps, { stdin: holder, keepRefusals: true });
    const [lock, list, named, table] = results;
    if (lock?.code === LOCK_HELD_EXIT) {
      if (clock.now() >= deadline) throw lockHeld(host, lock.stdout);
      const backoff = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random());
      await clock.sleep(Math.min(backoff, Math.max(0, deadline - clock.now())));
      continue;
    }
    const refused = results.map((r) => r.code !== 0 && host.refusal(r.stderr)).find(Boolean);
    try {
      if (refused) throw refused;
      host.check(steps[0]!, lock);
      host.check(steps[1]!, list);
      host.check(steps[2]!, named);
    } catch (error) {
      if (lock?.code === 0) await releaseLock(host, meta.run, [], undefined);
      throw error;
    }
    const seen = lookFrom(inventory, list!.stdout, named!.stdout);
    const ours = oursIn(seen, inventory);
    const running = ours?.state === 'running' && table?.code === 0;
    try {
      return {
        look: seen,
        ...(ours ? { ours } : {}),
        table: running ? parseRouteTable(table.stdout) : { entries: [] },
      };
    } catch (error) {
      await releaseLock(host, meta.run, [], undefined);
      throw new ProxyError(
        host.name,
        'reload',
        `the route table of ${ours!.name} is unreadable: ${(error as Error).message}`,
      );
    }
  }
}

function lockHeld(host: HostDocker, stdout: string): ProxyError {
  const { holder } = parseHeld(stdout);
  return new ProxyError(
    host.name,
    'locked',
    `the proxy's route table is locked${holder ? ` by ${describeHolder(holder)}` : ''}`,
    'wait for that deploy to finish, retry with --lock-wait DUR, or remove ~/.deploy/locks/.proxy on the host if its holder is gone',
  );
}

/** Runs `before` (best effort, in order) and then gives the lock back, in one round trip. */
async function releaseLock(
  host: HostDocker,
  run: string,
  before: BatchStep[],
  stdin: string | undefined,
) {
  const steps = [
    ...before.map((s) => ({ ...s, mayFail: true })),
    { argv: proxyLockReleaseArgv(run) },
  ];
  const results = await host.batch(steps, {
    keepRefusals: true,
    ...(stdin !== undefined ? { stdin } : {}),
  });
  return results.slice(0, before.length);
}

export interface EditOptions {
  /** The services this run has locked: an edit that changes another's entries throws. */
  services: readonly string[];
  /** How long to wait for another run's proxy lock; default PROXY_LOCK_WAIT_MS. */
  waitMs?: number;
  /** `down`: remove the proxy container when this edit left no entry (its volume stays). */
  removeWhenEmpty?: boolean;
  /** No proxy of ours on the host: nothing to edit, not an error. */
  missingOk?: boolean;
}

export interface EditResult {
  table: RouteTable;
  /** The proxy container was removed (only with removeWhenEmpty). */
  removed: boolean;
}

/**
 * One read–modify–reload of the host's route table under its proxy lock: reads the table,
 * applies `edit`, renders the Caddy JSON with the settings the proxy was made with, loads
 * it (`docker exec -i`, config on stdin) and keeps the table once the reload succeeded;
 * the lock goes in the same round trip. Throws ProxyError: no running proxy ('missing'),
 * the reload refused ('reload', table unchanged), the lock held too long ('locked').
 */
export async function editRoutes(
  host: HostDocker,
  inventory: string,
  meta: ProxyMeta,
  edit: (table: RouteTable) => RouteTable,
  options: EditOptions,
): Promise<RouteTable> {
  return (await editRoutesFull(host, inventory, meta, edit, options)).table;
}

export async function editRoutesFull(
  host: HostDocker,
  inventory: string,
  meta: ProxyMeta,
  edit: (table: RouteTable) => RouteTable,
  options: EditOptions,
): Promise<EditResult> {
  const locked = await lockAndRead(host, inventory, meta, options.waitMs ?? PROXY_LOCK_WAIT_MS);
  let steps: BatchStep[];
  let stdin: string;
  let next: RouteTable;
  try {
    const ours = locked.ours;
    if (!ours && options.missingOk) {
      await releaseLock(host, meta.run, [], undefined);
      return { table: { entries: [] }, removed: false };
    }
    if (!ours || ours.state !== 'running' || !ours.spec)
      throw new ProxyError(host.name, 'missing', `${proxyContainerName(inventory)} is not running`);
    next = sortTable(edit(locked.table));
    const foreign = editedServices(locked.table, next).filter((s) => !options.services.includes(s));
    if (foreign.length > 0)
      throw new Error(`a route edit changed ${foreign.join(', ')}, which this run has not locked`);
    const config = renderProxyConfig({
      settings: settingsOf(ours.spec),
      routes: tableRoutes(next),
    });
    const remove =
      options.removeWhenEmpty === true &&
      next.entries.length === 0 &&
      locked.table.entries.length > 0;
    steps = [
      { argv: reloadArgv(ours.name), stdin: true },
      ...(remove ? [{ argv: removeArgv(ours.name, { force: true }) }] : []),
    ];
    stdin = reloadStdin(next, config);
  } catch (error) {
    await releaseLock(host, meta.run, [], undefined);
    throw error;
  }
  const [reload, removed] = await releaseLock(host, meta.run, steps, stdin);
  if (reload?.code !== 0)
    throw new ProxyError(
      host.name,
      'reload',
      `the proxy refused its new configuration: ${dockerErrorLine(reload?.stderr ?? '')}`,
    );
  if (steps.length > 1 && removed?.code !== 0)
    throw new ProxyError(
      host.name,
      'reload',
      `cannot remove ${proxyContainerName(inventory)}: ${dockerErrorLine(removed?.stderr ?? '')}`,
    );
  return { table: next, removed: steps.length > 1 };
}

export interface RemoveRoutesResult {
  table: RouteTable;
  /** The proxy went with its last route. */
  proxyRemoved: boolean;
  /** The volume left behind when the proxy went (SPEC §7.8: down never removes volumes). */
  volumeKept?: string;
}

/**
 * `down`: drops the entries `drop` picks and, when none is left, the proxy container
 * (its volume stays, with Caddy's certificates). No proxy of ours on the host: nothing to do.
 */
export async function removeRoutes(
  host: HostDocker,
  inventory: string,
  meta: ProxyMeta,
  drop: (entry: RouteEntry) => boolean,
  options: { services: readonly string[]; waitMs?: number },
): Promise<RemoveRoutesResult> {
  const r = await editRoutesFull(host, inventory, meta, (t) => removeEntries(t, drop), {
    ...options,
    removeWhenEmpty: true,
    missingOk: true,
  });
  return {
    table: r.table,
    proxyRemoved: r.removed,
    ...(r.removed ? { volumeKept: proxyVolumeName(inventory) } : {}),
  };
}

export type RestartOutcome = 'restarted' | 'missing';

/**
 * `deploy proxy restart`: recreates the proxy from `spec` (image, ports, bind, TLS) under
 * the proxy lock and loads its table (kept on the volume) with the new settings. The old
 * container is stopped and set aside as `<name>.old` first; if the new one cannot start,
 * it is removed and the old one comes back. Connections are refused in between.
 */
export async function restartProxy(
  host: HostDocker,
  spec: ProxySpec,
  meta: ProxyMeta,
  options: { waitMs?: number } = {},
): Promise<RestartOutcome> {
  const locked = await lockAndRead(
    host,
    spec.inventory,
    meta,
    options.waitMs ?? PROXY_LOCK_WAIT_MS,
  );
  let after: BatchStep[];
  let stdin: string | undefined;
  try {
    const ours = locked.ours;
    if (!ours) {
      const refusal = proxyRefusal(host.name, spec, locked.look);
      if (refusal) throw refusal;
      return 'missing';
    }
    const table =
      ours.state === 'running' ? locked.table : await tableOfStopped(host, ours, locked.table);
    const refusal = proxyRefusal(host.name, spec, locked.look);
    if (refusal) throw refusal;
    await recreate(host, spec, ours);
    const config = renderProxyConfig({ settings: settingsOf(spec), routes: tableRoutes(table) });
    after = [{ argv: reloadArgv(ours.name), stdin: true }];
    stdin = reloadStdin(table, config);
  } catch (error) {
    await releaseLock(host, meta.run, [], undefined);
    throw error;
  }
  const [reload] = await releaseLock(host, meta.run, after, stdin);
  if (reload?.code !== 0)
    throw new ProxyError(
      host.name,
      'reload',
      `the new proxy refused its configuration: ${dockerErrorLine(reload?.stderr ?? '')}`,
    );
  return 'restarted';
}

/** A stopped proxy's table: start it to read it (the table lives in its volume). */
async function tableOfStopped(
  host: HostDocker,
  ours: ProxyContainer,
  fallback: RouteTable,
): Promise<RouteTable> {
  const started = await host.run(startArgv(ours.name));
  if (started.code !== 0) return fallback;
  const r = await host.run(readRoutesArgv(ours.name));
  return r.code === 0 ? parseRouteTable(r.stdout) : fallback;
}

/** Old stopped and set aside, new created and started; on failure the old one is back. */
async function recreate(host: HostDocker, spec: ProxySpec, old: ProxyContainer): Promise<void> {
  const aside = `${old.name}.old`;
  await host.run(removeArgv(aside, { force: true }));
  await host.must(stopArgv(old.name, 10));
  await host.must(renameArgv(old.name, aside));
  const created = await host.run(proxyCreateArgv(spec, host.name));
  const id = created.stdout.trim();
  const started = created.code === 0 ? await host.run(startArgv(id)) : created;
  if (started.code === 0) {
    await host.run(removeArgv(aside, { force: true }));
    return;
  }
  if (created.code === 0) await host.run(removeArgv(id, { force: true }));
  await host.run(renameArgv(aside, old.name));
  await host.run(startArgv(old.name));
  throw bindError(host, started.stderr);
}
