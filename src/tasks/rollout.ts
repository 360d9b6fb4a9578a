/**
 * One task's moves on its host (SPEC §7.3): put the old container aside as `<name>.old`,
 * create and start the new one, wait for health; on failure remove the new one and bring
 * the old one back exactly as it was. Nothing here decides *which* tasks move: that is
 * the planner's and the job runner's job.
 */
import type { ResolvedTask, UpdatePolicy } from '../inventory/model.js';
import {
  dockerError,
  envFileContent,
  inspectArgv,
  logsArgv,
  removeArgv,
  renameArgv,
  runArgv,
  portTakenMessage,
  runFailureMessage,
  startArgv,
  stopArgv,
  type BatchStep,
  type ObservedContainer,
  type StepResult,
} from '../remote-docker/index.js';
import { HostError } from '../shared/errors.js';
import { maskSecrets, type Secret } from '../shared/secret.js';
import type { Clock } from '../shared/clock.js';
import { waitHealthy } from './health.js';
import type { HostDocker } from './host-docker.js';
import type { PlannedTask } from './plan.js';

export interface TaskRunContext {
  inventory: string;
  /** The ledger entry id of this service's entry: the `deploy.version` label. */
  version: string;
  secrets: Record<string, Secret>;
  timeoutMs: number;
  signal: AbortSignal;
  clock: Clock;
  step(message: string): void;
}

/** What was done to a task that succeeded, enough to undo it or finish it. */
export interface Moved {
  planned: PlannedTask;
  host: HostDocker;
  /** `<name>.old`, when an old container was set aside. */
  oldName?: string;
  oldWasRunning: boolean;
  containerId: string;
}

export type TaskRun =
  | { ok: true; moved: Moved }
  | { ok: false; error: string; detail?: string; interrupted: boolean; hostError?: HostError };

export const oldNameOf = (name: string): string => `${name}.old`;

type TaskFailure = Extract<TaskRun, { ok: false }>;

/**
 * How the old container goes aside: the steps that travel with the new one's run (one
 * round trip), and, once their results are checked, whether it was running.
 */
interface OldSide {
  steps: BatchStep[];
  /** Checks the results of `steps` (throws if one failed); sets `aside` when they did it. */
  check(done: readonly StepResult[]): void;
  /** Set once the old container is `<name>.old`: restored (and restarted if it ran) on undo. */
  aside?: { running: boolean };
}

/** create / replace: set the old aside, start the new, wait for health, or restore. */
export async function moveTask(
  host: HostDocker,
  planned: PlannedTask,
  policy: UpdatePolicy,
  ctx: TaskRunContext,
): Promise<TaskRun> {
  const task = planned.desired as ResolvedTask;
  const name = task.container;
  let old: OldSide;
  try {
    old = await prepareAside(host, planned, policy, ctx);
  } catch (error) {
    return failure(error, false);
  }
  try {
    const ran = await runNew(host, task, old, ctx);
    if (!ran.ok) return ran;
    ctx.step('waiting for health');
    const health = await healthOf(host, task, policy, ctx, ran.looked);
    if (!health.ok) {
      await undoNew(host, name, old);
      const restored = old.aside
        ? '; the previous container is back'
        : '; the new container was removed';
      return { ...health, error: health.error + restored };
    }
    if (old.aside?.running && policy.order === 'start-first') {
      ctx.step('stopping the old container');
      await host.run(stopArgv(oldNameOf(name)));
    }
    const moved: Moved = {
      planned,
      host,
      oldWasRunning: old.aside?.running ?? false,
      containerId: ran.containerId,
    };
    if (old.aside) moved.oldName = oldNameOf(name);
    return { ok: true, moved };
  } catch (error) {
    await undoNew(host, name, old).catch(() => {});
    return failure(error, ctx.signal.aborted);
  }
}

/**
 * The old container's way aside. A step that fails ends the batch it rides in, so nothing
 * is started beside an old container that could not be set aside.
 */
async function prepareAside(
  host: HostDocker,
  planned: PlannedTask,
  policy: UpdatePolicy,
  ctx: TaskRunContext,
): Promise<OldSide> {
  const name = (planned.desired as ResolvedTask).container;
  const nothing = { steps: [], check: () => {} };
  if (planned.leftoverOld) {
    // A killed run left `<name>.old`: that is the real old container; whatever holds
    // `<name>` now is the half-deployed new one.
    if (planned.current) await host.must(removeArgv(name, { force: true }));
    return { ...nothing, aside: { running: true } };
  }
  if (!planned.current) return nothing;
  const running = planned.current.state === 'running' || planned.current.state === 'restarting';
  const stopNow = policy.order === 'stop-first' && running;
  ctx.step(
    stopNow ? 'setting the old container aside and stopping it' : 'setting the old container aside',
  );
  // docker cannot rename a container caught mid-restart: stop it first.
  const unstick: BatchStep[] =
    planned.current.state === 'restarting' ? [{ argv: stopArgv(name), mayFail: true }] : [];
  const rename: BatchStep = { argv: renameArgv(name, oldNameOf(name)) };
  const stop: BatchStep = { argv: stopArgv(oldNameOf(name)) };
  const side: OldSide = {
    steps: [...unstick, rename, ...(stopNow ? [stop] : [])],
    check: (done) => {
      host.check(rename, done[unstick.length]);
      side.aside = { running };
      if (stopNow) host.check(stop, done[unstick.length + 1]);
    },
  };
  return side;
}

/**
 * Sets the old aside, runs the new container and takes the health wait's first look, in
 * one round trip. A failure puts back what was moved and removes what `run` created.
 */
async function runNew(
  host: HostDocker,
  task: ResolvedTask,
  old: OldSide,
  ctx: TaskRunContext,
): Promise<{ ok: true; containerId: string; looked?: StepResult } | TaskFailure> {
  const name = task.container;
  ctx.step('creating and starting');
  const stdin = task.spec.secrets.length > 0 ? envFileContent(task, ctx.secrets) : undefined;
  const run: BatchStep = {
    argv: runArgv(task, { inventory: ctx.inventory, version: ctx.version }),
    stdin: stdin !== undefined,
  };
  const look: BatchStep = { argv: inspectArgv([name]), mayFail: true };
  const done = await host.batch([...old.steps, run, look], { stdin });
  try {
    old.check(done);
  } catch (error) {
    // Could not even set the old one aside (nothing was started): put back what was moved.
    if (old.aside) await restoreOld(host, name, old.aside.running, true);
    return failure(error, false);
  }
  const [ran, looked] = done.slice(old.steps.length);
  if (!ran || ran.code !== 0) {
    const stderr = (ran?.stderr ?? '').trim();
    const held = dockerError(stderr) === 'name-conflict';
    // A name held by someone else's container is never touched; anything run created
    // (`docker run` leaves a created container when a port cannot be bound) goes.
    if (old.aside) await restoreOld(host, name, old.aside.running, false);
    else if (!held) await host.run(removeArgv(name, { force: true }));
    const error = runFailureMessage(stderr, { host: host.name, name });
    return { ok: false, error, interrupted: ctx.signal.aborted };
  }
  return { ok: true, containerId: ran.stdout.trim(), ...(looked ? { looked } : {}) };
}

/** The new container goes; the old one, if it was set aside, comes back as it was. */
async function undoNew(host: HostDocker, name: string, old: OldSide): Promise<void> {
  await host.run(removeArgv(name, { force: true }));
  if (old.aside) await restoreOld(host, name, old.aside.running, false);
}

/**
 * Waits for the started container's health (`looked`: the inspect that rode along the
 * start, the first poll). A failure carries the diagnostics to show on the spot.
 */
async function healthOf(
  host: HostDocker,
  task: ResolvedTask,
  policy: UpdatePolicy,
  ctx: TaskRunContext,
  looked: StepResult | undefined,
): Promise<{ ok: true; container: ObservedContainer } | TaskFailure> {
  const health = await waitHealthy(host, task.container, {
    check: task.spec.healthcheck,
    monitorMs: policy.monitorMs,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    clock: ctx.clock,
    ...(looked?.code === 0 ? { firstLook: looked.stdout } : {}),
  });
  if (health.ok) return health;
  const detail = await diagnostics(host, task.container, health.container?.healthLog, ctx.secrets);
  return { ok: false, error: health.reason, detail, interrupted: Boolean(health.interrupted) };
}

/** start: the desired container exists but is stopped. */
export async function startTask(
  host: HostDocker,
  planned: PlannedTask,
  policy: UpdatePolicy,
  ctx: TaskRunContext,
): Promise<TaskRun> {
  const task = planned.desired as ResolvedTask;
  try {
    ctx.step('starting');
    const start: BatchStep = { argv: startArgv(task.container) };
    const look: BatchStep = { argv: inspectArgv([task.container]), mayFail: true };
    const [started, looked] = await host.batch([start, look]);
    // A port taken since the container last ran: say which, on which host.
    const portTaken = started && started.code !== 0 && portTakenMessage(started.stderr, host.name);
    if (portTaken) return { ok: false, error: portTaken, interrupted: ctx.signal.aborted };
    host.check(start, started);
    const health = await healthOf(host, task, policy, ctx, looked);
    if (!health.ok) return health;
    return {
      ok: true,
      moved: { planned, host, oldWasRunning: false, containerId: health.container.id },
    };
  } catch (error) {
    return failure(error, ctx.signal.aborted);
  }
}

/** Undoes a task that had moved successfully (job-level rollback). */
export async function undoMoved(moved: Moved): Promise<void> {
  const name = (moved.planned.desired as ResolvedTask).container;
  if (!moved.oldName) {
    // It was created by this run (or only started): nothing older to bring back.
    if (moved.planned.action === 'create') await moved.host.run(removeArgv(name, { force: true }));
    return;
  }
  await moved.host.run(removeArgv(name, { force: true }));
  await restoreOld(moved.host, name, moved.oldWasRunning, false);
}

async function restoreOld(
  host: HostDocker,
  name: string,
  wasRunning: boolean,
  nameIsFree: boolean,
): Promise<void> {
  if (!nameIsFree) await host.run(removeArgv(name, { force: true }));
  await host.must(renameArgv(oldNameOf(name), name));
  if (wasRunning) await host.must(startArgv(name));
}

/** What a failed task shows on the spot: the tail of its log and its health log. */
async function diagnostics(
  host: HostDocker,
  name: string,
  healthLog: string[] | undefined,
  secrets: Record<string, Secret>,
): Promise<string> {
  const parts: string[] = [];
  const logs = await host.run(logsArgv(name, { tail: 30 })).catch(() => undefined);
  const text = logs ? (logs.stdout + logs.stderr).trimEnd() : '';
  if (text) parts.push(`last log lines of ${name}:\n${text}`);
  const probes = (healthLog ?? []).map((l) => l.trimEnd()).filter(Boolean);
  if (probes.length) parts.push(`health check log:\n${probes.join('\n')}`);
  // A program that prints its environment would otherwise show its secrets here.
  return maskSecrets(parts.join('\n'), secrets);
}

/** A lost connection or a refused docker mid-task is the host's failure (exit 3), not the task's. */
function hostErrorOf(error: unknown): { hostError?: HostError } {
  return error instanceof HostError ? { hostError: error } : {};
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A task that failed on an error: its message, and the host's failure when it is one. */
function failure(error: unknown, interrupted: boolean): TaskFailure {
  return { ok: false, error: message(error), interrupted, ...hostErrorOf(error) };
}
