/**
 * `down`: stops and removes the selected tasks' containers, dependants first; with a
 * whole service selected, its orphans too. Volumes are never removed (SPEC §7.8).
 */
import type { Project, ResolvedService } from '../inventory/model.js';
import { removeArgv, stopArgv, type ObservedContainer } from '../remote-docker/index.js';
import type { HostPool } from '../transport/index.js';
import { DeployError, type ExitCode, worstExit } from '../shared/errors.js';
import type { TaskReport } from './deploy.js';
import { fanOut } from './fanout.js';
import { HostDocker } from './host-docker.js';
import { acquireLocks, LockHeldError } from './locks.js';
import { observeHosts } from './observe.js';
import { knownTaskKeys, planTasks, type PlannedTask } from './plan.js';
import type { Reporter } from './reporter.js';

export interface DownPlan {
  remove: PlannedTask[];
  orphans: ObservedContainer[];
  hostErrors: Record<string, DeployError>;
  hosts: Map<string, HostDocker>;
}

export async function planDown(
  project: Project,
  services: ResolvedService[],
  hostNames: string[],
  /** Which orphans to include: none, those of the selected services, or all (target `all`). */
  withOrphans: boolean | 'all',
  pool: HostPool,
  opts: { parallel: number; timeoutMs: number },
): Promise<DownPlan> {
  const inv = project.inventory;
  const hosts = new Map(
    hostNames.map((h) => [h, new HostDocker(inv.hosts[h]!, pool.get(h), opts.timeoutMs)] as const),
  );
  const observation = await observeHosts([...hosts.values()], opts.parallel);
  const desired = services
    .flatMap((s) => s.jobs.flatMap((j) => j.tasks))
    .filter((t) => observation.observed[t.host]);
  const knownTasks = knownTaskKeys(project.services);
  const plan = planTasks({
    mode: 'down',
    inventory: inv.name,
    desired,
    observed: observation.observed,
    knownTasks,
  });
  const selected = new Set(services.map((s) => s.service));
  return {
    remove: plan.tasks.filter((t) => t.action === 'remove'),
    orphans:
      withOrphans === 'all'
        ? plan.orphans
        : withOrphans
          ? plan.orphans.filter((o) => selected.has(o.service))
          : [],
    hostErrors: observation.failed,
    hosts,
  };
}

export interface DownReport {
  tasks: TaskReport[];
  touched: string[];
  volumesKept: string[];
  exitCode: ExitCode;
  lockError?: LockHeldError;
}

export interface ExecuteDownOptions {
  parallel: number;
  lockWaitMs: number;
  reporter: Reporter;
  user: string;
  command: string;
  run: string;
  signal: AbortSignal;
}

/** One container (with its set-aside `.old`, if any) to stop and remove, as reported. */
interface DownItem {
  ref: TaskReport;
  containers: string[];
}

export async function executeDown(
  project: Project,
  services: ResolvedService[],
  plan: DownPlan,
  opts: ExecuteDownOptions,
): Promise<DownReport> {
  const items = downItems(plan);
  const touched = [...new Set(items.map((i) => i.ref.service))];
  const hostErrorCodes = Object.values(plan.hostErrors).map((e) => e.exitCode);
  if (items.length === 0)
    return { tasks: [], touched: [], volumesKept: [], exitCode: worstExit(hostErrorCodes) };

  const pairs = [...new Set(items.map((i) => `${i.ref.host}\u0000${i.ref.service}`))].map(
    (k) => k.split('\u0000') as [string, string],
  );
  let locks;
  try {
    locks = await acquireLocks(
      pairs.map(([h, s]) => ({ host: plan.hosts.get(h)!, service: s })),
      { user: opts.user, command: opts.command, run: opts.run },
      { parallel: opts.parallel, waitMs: opts.lockWaitMs },
    );
  } catch (error) {
    if (error instanceof LockHeldError)
      return { tasks: [], touched: [], volumesKept: [], exitCode: 1, lockError: error };
    throw error;
  }
  try {
    await removeDependantsFirst(services, items, plan.hosts, opts);
  } finally {
    await locks.release().catch(() => {});
  }
  const tasks = items.map((i) => i.ref);
  const codes: ExitCode[] = [...hostErrorCodes];
  if (tasks.some((t) => t.outcome === 'failed')) codes.push(1);
  if (opts.signal.aborted) codes.push(130);
  return { tasks, touched, volumesKept: keptVolumes(services), exitCode: worstExit(codes) };
}

/** The planned removals, then the orphans, each as the task report it will become. */
function downItems(plan: DownPlan): DownItem[] {
  const items: DownItem[] = [];
  for (const p of plan.remove) {
    const t = p.desired!;
    items.push({
      ref: {
        service: p.service,
        job: p.job,
        task: p.task,
        host: p.host,
        container: p.container,
        image: p.current?.image ?? t.spec.image,
        hash: p.current?.hash ?? t.hash,
        action: 'remove',
        reasons: [],
        outcome: 'ok',
        error: null,
        container_id: p.current?.id ?? null,
      },
      containers: [p.current?.name, p.leftoverOld?.name].filter((n): n is string => Boolean(n)),
    });
  }
  for (const o of plan.orphans)
    items.push({ ref: orphanReport(o, 'ok', null), containers: [o.name] });
  return items;
}

/** The report line of an orphan `down` or `update --prune` removes (or keeps). */
export function orphanReport(
  o: ObservedContainer,
  outcome: TaskReport['outcome'],
  error: string | null,
): TaskReport {
  return {
    service: o.service,
    job: o.job,
    task: o.task,
    host: o.host,
    container: o.name,
    image: o.image,
    hash: o.hash,
    action: 'remove',
    reasons: ['orphan'],
    outcome,
    error,
    container_id: o.id,
  };
}

/** Dependants first: the reverse of start order, service by service and job by job. */
async function removeDependantsFirst(
  services: ResolvedService[],
  items: DownItem[],
  hosts: Map<string, HostDocker>,
  opts: ExecuteDownOptions,
): Promise<void> {
  const order: string[] = [];
  for (const s of [...services].reverse())
    for (const j of [...s.jobs].reverse()) order.push(`${s.service}/${j.job}`);
  const rank = (r: TaskReport) => {
    const i = order.indexOf(`${r.service}/${r.job}`);
    return i === -1 ? -1 : i; // orphans (jobs no longer in the files) go first
  };
  const groups = new Map<number, DownItem[]>();
  for (const item of items)
    groups.set(rank(item.ref), [...(groups.get(rank(item.ref)) ?? []), item]);
  for (const r of [...groups.keys()].sort((a, b) => a - b)) {
    await fanOut(groups.get(r)!, opts.parallel, async (item) => {
      if (opts.signal.aborted) {
        item.ref.outcome = 'interrupted';
        return;
      }
      const host = hosts.get(item.ref.host)!;
      try {
        opts.reporter.step(item.ref, 'stopping');
        for (const name of item.containers) {
          await host.run(stopArgv(name));
          await host.must(removeArgv(name, { force: true }));
        }
        opts.reporter.done(item.ref, 'ok', 'removed');
      } catch (error) {
        item.ref.outcome = 'failed';
        item.ref.error = error instanceof Error ? error.message : String(error);
        opts.reporter.done(item.ref, 'failed', item.ref.error);
      }
    });
  }
}

/** Named volumes of the selected tasks: never removed, listed so nobody is surprised. */
function keptVolumes(services: ResolvedService[]): string[] {
  return [
    ...new Set(
      services.flatMap((s) =>
        s.jobs.flatMap((j) =>
          j.tasks.flatMap((t) =>
            t.spec.volumes
              .map((v) => v.split(':')[0]!)
              .filter((src) => !src.startsWith('/') && !src.startsWith('.'))
              .map((v) => `${v}@${t.host}`),
          ),
        ),
      ),
    ),
  ];
}
