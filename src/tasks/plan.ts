/**
 * The planner: desired tasks + what the hosts run → one action per task (SPEC §7.2).
 * Pure: the orchestrator observes, calls this, and executes the result. An all-unchanged
 * plan is what idempotency means.
 */
import type { ResolvedService, ResolvedTask, TaskSpec } from '../inventory/model.js';
import { canonicalJson, DEPLOY_NETWORK, type ObservedContainer } from '../remote-docker/index.js';

export type Action = 'create' | 'start' | 'replace' | 'unchanged' | 'remove';

export interface PlannedTask {
  service: string;
  job: string;
  task: string;
  /** Inventory host name. */
  host: string;
  container: string;
  action: Action;
  /** Why: the spec fields that differ, `missing`, `exited`, `forced`, `orphan: …`. Never values of secrets or env. */
  reasons: string[];
  /** The container now holding the task's name. */
  current?: ObservedContainer;
  /** A `<name>.old` left by a killed run: `up` keeps it, `update` uses it as the old container. */
  leftoverOld?: ObservedContainer;
  /** The running container's spec differs from the files. */
  drift: boolean;
  /** Undefined only for orphans. */
  desired?: ResolvedTask;
  /** A container whose labels name a task or host the files no longer have. */
  orphan?: boolean;
}

export interface Plan {
  tasks: PlannedTask[];
  /** Every orphan seen (whether or not this plan removes it). */
  orphans: ObservedContainer[];
  /** Containers of other inventories on the engines read: never changed. */
  foreign: ObservedContainer[];
}

export interface PlanInput {
  mode: 'up' | 'update' | 'down';
  inventory: string;
  /** The selected tasks. */
  desired: ResolvedTask[];
  /** Host name → every deploy container its engine reported. */
  observed: Record<string, ObservedContainer[]>;
  /** Every `service/job/task@host` in the files, for orphan detection. */
  knownTasks: Set<string>;
  /** `update --force`: replace tasks that would be unchanged. */
  force?: boolean;
  /** Orphans of these services become `remove` tasks (`down SERVICE`, `update --prune`). */
  orphanServices?: readonly string[];
}

export const taskKey = (t: { service: string; job: string; task: string; host: string }): string =>
  `${t.service}/${t.job}/${t.task}@${t.host}`;

/** Every task the files define (the planner's `knownTasks`): what is not in it is an orphan. */
export function knownTaskKeys(services: readonly ResolvedService[]): Set<string> {
  return new Set(services.flatMap((s) => s.jobs.flatMap((j) => j.tasks.map(taskKey))));
}

const RUNNING = new Set(['running', 'restarting', 'paused']);

export function planTasks(input: PlanInput): Plan {
  const { orphans, foreign, byHost } = sortObserved(input);
  const tasks: PlannedTask[] = [];
  for (const desired of input.desired) {
    const here = byHost.get(desired.host) ?? [];
    const current = here.find((c) => c.name === desired.container);
    const leftoverOld = here.find((c) => c.name === `${desired.container}.old`);
    const planned =
      input.mode === 'down'
        ? planDown(desired, current, leftoverOld)
        : planDeploy(input, desired, current, leftoverOld);
    if (!current) {
      const squatter = foreign.find((c) => c.name === desired.container && c.host === desired.host);
      if (squatter)
        planned.reasons.push(
          `name held by a container of inventory ${squatter.inventory || '(none)'}`,
        );
    }
    tasks.push(planned);
  }
  const pruned = new Set(input.orphanServices ?? []);
  for (const o of orphans) {
    if (!pruned.has(o.service)) continue;
    tasks.push({
      service: o.service,
      job: o.job,
      task: o.task,
      host: o.host,
      container: o.name,
      action: 'remove',
      reasons: [orphanReason(o, input.knownTasks)],
      current: o,
      drift: false,
      orphan: true,
    });
  }
  return { tasks, orphans, foreign };
}

/**
 * Splits what the engines reported: other inventories' containers (foreign), ours that
 * the files no longer name (orphans), and ours per inventory host. One engine may serve
 * several inventory hosts (a laptop): a container counts only for the host its
 * `deploy.host` names, and a container seen through several hosts is listed once.
 */
function sortObserved(input: PlanInput): {
  orphans: ObservedContainer[];
  foreign: ObservedContainer[];
  byHost: Map<string, ObservedContainer[]>;
} {
  const orphans = new Map<string, ObservedContainer>();
  const foreign = new Map<string, ObservedContainer>();
  const byHost = new Map<string, ObservedContainer[]>();
  for (const [host, containers] of Object.entries(input.observed)) {
    const mine: ObservedContainer[] = [];
    for (const c of containers) {
      if (c.inventory !== input.inventory) foreign.set(c.id, c);
      else if (!input.knownTasks.has(taskKey(c))) orphans.set(c.id, c);
      else if (c.host === host) mine.push(c);
    }
    byHost.set(host, mine);
  }
  return { orphans: [...orphans.values()], foreign: [...foreign.values()], byHost };
}

function base(
  desired: ResolvedTask,
  action: Action,
  reasons: string[],
  current?: ObservedContainer,
  leftoverOld?: ObservedContainer,
): PlannedTask {
  const p: PlannedTask = {
    service: desired.service,
    job: desired.job,
    task: desired.task,
    host: desired.host,
    container: desired.container,
    action,
    reasons,
    drift: current !== undefined && current.hash !== desired.hash,
    desired,
  };
  if (current) p.current = current;
  if (leftoverOld) p.leftoverOld = leftoverOld;
  return p;
}

function planDeploy(
  input: PlanInput,
  desired: ResolvedTask,
  current?: ObservedContainer,
  leftoverOld?: ObservedContainer,
): PlannedTask {
  const leftover = leftoverOld ? [`leftover ${leftoverOld.name}`] : [];
  if (!current) return base(desired, 'create', ['missing', ...leftover], current, leftoverOld);
  const running = RUNNING.has(current.state);
  if (current.hash === desired.hash) {
    if (current.state === 'dead')
      return base(desired, 'replace', ['dead', ...leftover], current, leftoverOld);
    if (!running) return base(desired, 'start', [current.state, ...leftover], current, leftoverOld);
    if (input.force) return base(desired, 'replace', ['forced', ...leftover], current, leftoverOld);
    return base(
      desired,
      'unchanged',
      current.state === 'running' ? leftover : [current.state, ...leftover],
      current,
      leftoverOld,
    );
  }
  const diff = specDiff(desired, current);
  if (!running)
    return base(desired, 'replace', [...diff, current.state, ...leftover], current, leftoverOld);
  // SPEC §7.2: `up` never replaces a running task; the difference shows as drift.
  if (input.mode === 'up')
    return base(desired, 'unchanged', [...diff, ...leftover], current, leftoverOld);
  return base(desired, 'replace', [...diff, ...leftover], current, leftoverOld);
}

function planDown(
  desired: ResolvedTask,
  current?: ObservedContainer,
  leftoverOld?: ObservedContainer,
): PlannedTask {
  if (!current && !leftoverOld)
    return base(desired, 'unchanged', ['missing'], current, leftoverOld);
  const reasons = ['down'];
  if (leftoverOld) reasons.push(`leftover ${leftoverOld.name}`);
  return base(desired, 'remove', reasons, current, leftoverOld);
}

function orphanReason(o: ObservedContainer, known: Set<string>): string {
  const hostKnown = [...known].some((k) => k.endsWith(`@${o.host}`));
  return hostKnown
    ? `orphan: task ${o.service}/${o.job}/${o.task} is no longer in the files`
    : `orphan: host ${o.host} is no longer in the inventory`;
}

/**
 * The fields of the running container's spec (its `deploy.spec` label) that differ from
 * the files. Env, labels and secrets are named, never shown: env values may be sensitive
 * enough, and secrets are compared by hash only.
 */
export function specDiff(desired: ResolvedTask, current: ObservedContainer): string[] {
  const was = current.spec;
  if (!was)
    return current.hash === desired.hash
      ? []
      : ['spec changed (the container has no readable deploy.spec label)'];
  const now = desired.spec;
  const out: string[] = [];
  const scalar = (
    field: string,
    a: unknown,
    b: unknown,
    show = (v: unknown) => (v === undefined ? 'unset' : String(v)),
  ): void => {
    if (canonicalJson(a) !== canonicalJson(b)) out.push(`${field}: ${show(a)} → ${show(b)}`);
  };
  const list = (v: unknown): string => (Array.isArray(v) && v.length > 0 ? v.join(',') : 'none');
  scalar('image', was.image, now.image);
  if (canonicalJson(was.command) !== canonicalJson(now.command)) out.push('command changed');
  out.push(...mapDiff('env', was.env, now.env));
  out.push(
    ...mapDiff(
      'secrets',
      secretMap(was, current.secretHashes),
      secretMap(now, desired.secretHashes),
    ),
  );
  scalar('ports', [...was.ports].sort(), [...now.ports].sort(), list);
  scalar('volumes', was.volumes, now.volumes, list);
  out.push(...mapDiff('labels', was.labels, now.labels));
  scalar('restart', was.restart, now.restart);
  scalar('cpus', was.cpus, now.cpus);
  scalar('memory', was.memoryBytes, now.memoryBytes);
  if (canonicalJson(was.healthcheck) !== canonicalJson(now.healthcheck))
    out.push('healthcheck changed');
  scalar('network', was.network ?? DEPLOY_NETWORK, now.network ?? DEPLOY_NETWORK);
  if (out.length === 0 && current.hash !== desired.hash) out.push('hash changed');
  return out;
}

function secretMap(
  spec: TaskSpec,
  hashes: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of spec.secrets) out[name] = hashes?.[name] ?? '';
  return out;
}

function mapDiff(
  field: string,
  was: Record<string, string>,
  now: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort()) {
    if (!(key in was)) out.push(`${field}.${key} added`);
    else if (!(key in now)) out.push(`${field}.${key} removed`);
    else if (was[key] !== now[key]) out.push(`${field}.${key} changed`);
  }
  return out;
}
