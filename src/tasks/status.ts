/**
 * `status`: desired vs running per task, read in one round trip per host. Pure
 * comparison happens in the planner; this module gathers and shapes the answer.
 */
import type { Project, ResolvedService } from '../inventory/model.js';
import type { EntryLookup, LedgerEntry } from '../ledger/index.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import type { HostPool } from '../transport/index.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { HostDocker } from './host-docker.js';
import { observeHosts, type Observation } from './observe.js';
import { knownTaskKeys, planTasks, taskKey } from './plan.js';

export type TaskState =
  'running' | 'exited' | 'restarting' | 'created' | 'paused' | 'dead' | 'missing' | 'unknown';

export interface TaskStatus {
  service: string;
  job: string;
  task: string;
  host: string;
  address: string;
  container: string;
  image: string | null;
  desired_image: string | null;
  state: TaskState;
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  drift: boolean;
  drift_fields: string[];
  orphan: boolean;
  started_at: string | null;
  /** Exact from the start time (full read), else docker's rounded uptime (light read). */
  uptime_ms: number | null;
  restarts: number | null;
  version: string | null;
  container_id: string | null;
}

export interface HostStatus {
  host: string;
  address: string;
  reachable: boolean;
  error: string | null;
}

export interface StatusReport {
  tasks: TaskStatus[];
  hosts: HostStatus[];
  foreign: { host: string; container: string; inventory: string }[];
}

export async function readStatus(
  project: Project,
  services: ResolvedService[],
  hostNames: string[],
  pool: HostPool,
  opts: {
    parallel: number;
    timeoutMs: number;
    clock?: Clock;
    /** Finds ledger entries by id (the versions the containers carry); without it no
     * drift note comes from the ledger. */
    ledger?: EntryLookup;
    /** `full` also reads start times and restart counts (a second docker process per host). */
    read?: 'light' | 'full';
  },
): Promise<StatusReport> {
  const inv = project.inventory;
  const hosts = hostNames.map((h) => new HostDocker(inv.hosts[h]!, pool.get(h), opts.timeoutMs));
  const observation = await observeHosts(hosts, opts.parallel, opts.read ?? 'light');
  const desired = services
    .flatMap((s) => s.jobs.flatMap((j) => j.tasks))
    .filter((t) => hostNames.includes(t.host));
  const plan = planTasks({
    mode: 'up',
    inventory: inv.name,
    desired: desired.filter((t) => observation.observed[t.host]),
    observed: observation.observed,
    knownTasks: knownTaskKeys(project.services),
  });
  const now = (opts.clock ?? systemClock).now();
  const entryById = opts.ledger ? await opts.ledger(versionsOf(observation)) : undefined;
  const byKey = new Map(plan.tasks.map((p) => [taskKey(p), p]));
  const tasks: TaskStatus[] = desired.map((t) => {
    const p = byKey.get(taskKey(t));
    const reachable = Boolean(observation.observed[t.host]);
    const c = p?.current;
    return {
      service: t.service,
      job: t.job,
      task: t.task,
      host: t.host,
      address: inv.hosts[t.host]!.address,
      container: t.container,
      desired_image: t.spec.image,
      ...fromContainer(c, now),
      state: !reachable ? 'unknown' : c ? c.state : 'missing',
      ...drift(c, t.hash, p?.reasons ?? [], entryById),
      orphan: false,
    };
  });
  tasks.push(...orphanRows(project, services, plan.orphans, now));
  return {
    tasks,
    hosts: hostNames.map((h) => ({
      host: h,
      address: inv.hosts[h]!.address,
      reachable: Boolean(observation.observed[h]),
      error: observation.failed[h]?.message ?? null,
    })),
    foreign: plan.foreign.map((f) => ({ host: f.host, container: f.name, inventory: f.inventory })),
  };
}

/** The ledger entry ids the containers carry (`deploy.version`). */
function versionsOf(observation: Observation): Set<string> {
  const versions = new Set(
    Object.values(observation.observed).flatMap((cs) => cs.map((c) => c.version)),
  );
  versions.delete('');
  return versions;
}

/** Orphans of the selected services (all of them when every service is selected). */
function orphanRows(
  project: Project,
  services: ResolvedService[],
  orphans: readonly ObservedContainer[],
  now: number,
): TaskStatus[] {
  const selected = new Set(services.map((s) => s.service));
  return orphans
    .filter((o) => selected.has(o.service) || services.length === project.services.length)
    .map((o) => ({
      service: o.service,
      job: o.job,
      task: o.task,
      host: o.host,
      address: project.inventory.hosts[o.host]?.address ?? '',
      container: o.name,
      desired_image: null,
      ...fromContainer(o, now),
      state: o.state,
      drift: false,
      drift_fields: [],
      orphan: true,
    }));
}

/**
 * Drift: the running hash differs from the files, or the task runs a rollback (SPEC §7.5:
 * "rolled back to ID"), or its entry is missing from the ledger ("unrecorded", §7.6).
 */
function drift(
  c: ObservedContainer | undefined,
  desiredHash: string,
  reasons: string[],
  entries: Map<string, LedgerEntry> | undefined,
): { drift: boolean; drift_fields: string[] } {
  if (!c) return { drift: false, drift_fields: [] };
  const fields = c.hash !== desiredHash ? [...(reasons.length ? reasons : ['hash differs'])] : [];
  const entry = entries?.get(c.version);
  if (entry?.action === 'rollback') fields.push(`rolled back to ${entry.source ?? '?'}`);
  if (entries && c.version && !entry)
    fields.push(`unrecorded (entry ${c.version} not in the ledger)`);
  return {
    drift: fields.length > 0 && (c.hash !== desiredHash || entry?.action === 'rollback'),
    drift_fields: fields,
  };
}

function fromContainer(c: ObservedContainer | undefined, now: number) {
  const started = c?.startedAt && c.state === 'running' ? Date.parse(c.startedAt) : NaN;
  return {
    image: c?.image ?? null,
    health: c?.health ?? ('none' as const),
    started_at: c?.startedAt ?? null,
    uptime_ms: Number.isFinite(started)
      ? Math.max(0, now - started)
      : c?.state === 'running'
        ? (c.uptimeMs ?? null)
        : null,
    // A light read does not know it: null, not a made-up 0.
    restarts: c?.light ? null : (c?.restartCount ?? 0),
    version: c?.version || null,
    container_id: c?.id ?? null,
  };
}
