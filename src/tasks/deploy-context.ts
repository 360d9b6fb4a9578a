/**
 * What one deploy run carries from step to step: the request, the hosts, what the lock
 * round trip saw, the plan, every task's result, and what the last round trip must clean
 * up. Each step of the runbook (deploy.ts) reads and fills this one object.
 */
import type { Project, ResolvedService, ResolvedTask } from '../inventory/model.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import type { DeployError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { HostPool } from '../transport/index.js';
import { HostDocker } from './host-docker.js';
import { taskHosts } from './host-names.js';
import type { HostLook } from './images.js';
import type { TaskResult } from './jobs.js';
import type { HeldLocks } from './locks.js';
import type { Observation } from './observe.js';
import { knownTaskKeys, planTasks, type Plan, type PlannedTask } from './plan.js';
import type { Reporter } from './reporter.js';

export type DeployAction = 'up' | 'update' | 'rollback';

export interface DeployRequest {
  action: DeployAction;
  project: Project;
  /** Selected services, pruned to the selected jobs/tasks, in start order. */
  services: ResolvedService[];
  force?: boolean;
  /** Called after the first look at the hosts, before anything changes; throws to stop. */
  guard?: (observed: Record<string, ObservedContainer[]>) => Promise<void>;
  pool: HostPool;
  reporter: Reporter;
  parallel: number;
  timeoutMs: number;
  lockWaitMs: number;
  signal: AbortSignal;
  run: string;
  /** service → ledger entry id (the `deploy.version` label), fixed at start. */
  versions: Record<string, string>;
  user: string;
  command: string;
  clock?: Clock;
}

export interface DeployRun {
  readonly req: DeployRequest;
  /** The selected tasks, in start order. */
  readonly desired: ResolvedTask[];
  readonly hostNames: string[];
  readonly hosts: Map<string, HostDocker>;
  /** Hosts that failed (unreachable, refused, failed a pull outright): their tasks do not run. */
  readonly hostErrors: Record<string, DeployError>;
  /** task key → what became of it. */
  readonly results: Map<string, TaskResult>;
  /** Taken by the lock step; released by the last round trip. */
  locks?: HeldLocks;
  /** Per reachable host, what the lock round trip saw. */
  readonly looks: Map<string, HostLook>;
  observation: Observation;
  plan: Plan;
  /** The planned tasks that change something. */
  todo: PlannedTask[];
  /** Hosts given a per-run tmp dir (registry login): it goes with the locks. */
  readonly tmpHosts: Set<string>;
  /** Per host, the `<name>.old` containers done with: removed in the last round trip. */
  readonly setAside: Map<string, string[]>;
  /** Per host, the image repositories of succeeded jobs: pruned after the locks go. */
  readonly pruneRepos: Map<string, Set<string>>;
}

export function openRun(req: DeployRequest): DeployRun {
  const hostNames = taskHosts(req.services);
  const inventory = req.project.inventory;
  return {
    req,
    desired: req.services.flatMap((s) => s.jobs.flatMap((j) => j.tasks)),
    hostNames,
    hosts: new Map(
      hostNames.map(
        (h) => [h, new HostDocker(inventory.hosts[h]!, req.pool.get(h), req.timeoutMs)] as const,
      ),
    ),
    hostErrors: {},
    results: new Map(),
    looks: new Map(),
    observation: { observed: {}, failed: {} },
    plan: { tasks: [], orphans: [], foreign: [] },
    todo: [],
    tmpHosts: new Set(),
    setAside: new Map(),
    pruneRepos: new Map(),
  };
}

/** The plan of the tasks on the hosts `observation` could read. */
export function planFor(run: DeployRun, observation: Observation): Plan {
  const { req } = run;
  return planTasks({
    mode: req.action === 'up' ? 'up' : 'update',
    inventory: req.project.inventory.name,
    desired: run.desired.filter((t) => observation.observed[t.host]),
    observed: observation.observed,
    knownTasks: knownTaskKeys(req.project.services),
    force: req.force,
  });
}

/** Remembers a `<name>.old` to remove in the run's last round trip. */
export function setAside(run: DeployRun, host: string, name: string): void {
  run.setAside.set(host, [...(run.setAside.get(host) ?? []), name]);
}
