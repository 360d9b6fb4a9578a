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
  runFailureMessage,
  startArgv,
  stopArgv,
  type BatchStep,
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

/** create / replace: set the old aside, start the new, wait for health, or restore. */
export async function moveTask(
  host: HostDocker,
  planned: PlannedTask,
  policy: UpdatePolicy,
  ctx: TaskRunContext,
): Promise<TaskRun> {
  const task = planned.desired as ResolvedTask;
  const name = task.container;
  const oldName = oldNameOf(name);
  let aside: { running: boolean } | undefined;
  // Setting the old container aside travels with the new one's run and the health wait's
  // first look: one round trip. A step that fails ends the batch, so nothing is started
  // beside an old container that could not be set aside.
  let asideSteps: BatchStep[] = [];
  let checkAside: ((done: readonly StepResult[]) => void) | undefined;
  try {
    if (planned.leftoverOld) {
      // A killed run left `<name>.old`: that is the real old container; whatever holds
      // `<name>` now is the half-deployed new one.
      if (planned.current) await host.must(removeArgv(name, { force: true }));
      aside = { running: true };
    } else if (planned.current) {
      const running = planned.current.state === 'running' || planned.current.state === 'restarting';
      const stopNow = policy.order === 'stop-first' && running;
      ctx.step(
        stopNow
          ? 'setting the old container aside and stopping it'
          : 'setting the old container aside',
      );
      // docker cannot rename a container caught mid-restart: stop it first.
      const unstick: BatchStep[] =
        planned.current.state === 'restarting' ? [{ argv: stopArgv(name), mayFail: true }] : [];
      const rename: BatchStep = { argv: renameArgv(name, oldName) };
      const stop: BatchStep = { argv: stopArgv(oldName) };
      asideSteps = [...unstick, rename, ...(stopNow ? [stop] : [])];
      checkAside = (done) => {
        host.check(rename, done[unstick.length]);
        aside = { running };
        if (stopNow) host.check(stop, done[unstick.length + 1]);
      };
    }
  } catch (error) {
    return { ok: false, error: message(error), interrupted: false, ...hostErrorOf(error) };
  }

  const undo = async (): Promise<void> => {
    await host.run(removeArgv(name, { force: true }));
    if (aside) await restoreOld(host, name, aside.running, false);
  };

  try {
    ctx.step('creating and starting');
    const stdin = task.spec.secrets.length > 0 ? envFileContent(task, ctx.secrets) : undefined;
    const run: BatchStep = {
      argv: runArgv(task, { inventory: ctx.inventory, version: ctx.version }),
      stdin: stdin !== undefined,
    };
    const look: BatchStep = { argv: inspectArgv([name]), mayFail: true };
    const done = await host.batch([...asideSteps, run, look], { stdin });
    try {
      checkAside?.(done);
    } catch (error) {
      // Could not even set the old one aside (nothing was started): put back what was moved.
      if (aside) await restoreOld(host, name, aside.running, true);
      return { ok: false, error: message(error), interrupted: false, ...hostErrorOf(error) };
    }
    const [ran, looked] = done.slice(asideSteps.length);
    if (!ran || ran.code !== 0) {
      const stderr = (ran?.stderr ?? '').trim();
      const held = dockerError(stderr) === 'name-conflict';
      // A name held by someone else's container is never touched; anything run created
      // (`docker run` leaves a created container when a port cannot be bound) goes.
      if (aside) await restoreOld(host, name, aside.running, false);
      else if (!held) await host.run(removeArgv(name, { force: true }));
      const error = runFailureMessage(stderr, { host: host.name, name });
      return { ok: false, error, interrupted: ctx.signal.aborted };
    }
    const containerId = ran.stdout.trim();
    ctx.step('waiting for health');
    const health = await waitHealthy(host, name, {
      check: task.spec.healthcheck,
      monitorMs: policy.monitorMs,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      clock: ctx.clock,
      ...(looked?.code === 0 ? { firstLook: looked.stdout } : {}),
    });
    if (!health.ok) {
      const detail = await diagnostics(host, name, health.container?.healthLog, ctx.secrets);
      await undo();
      const restored = aside
        ? '; the previous container is back'
        : '; the new container was removed';
      return {
        ok: false,
        error: health.reason + restored,
        detail,
        interrupted: Boolean(health.interrupted),
      };
    }
    if (aside?.running && policy.order === 'start-first') {
      ctx.step('stopping the old container');
      await host.run(stopArgv(oldName));
    }
    const moved: Moved = { planned, host, oldWasRunning: aside?.running ?? false, containerId };
    if (aside) moved.oldName = oldName;
    return { ok: true, moved };
  } catch (error) {
    await undo().catch(() => {});
    return {
      ok: false,
      error: message(error),
      interrupted: ctx.signal.aborted,
      ...hostErrorOf(error),
    };
  }
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
    host.check(start, started);
    const health = await waitHealthy(host, task.container, {
      check: task.spec.healthcheck,
      monitorMs: policy.monitorMs,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      clock: ctx.clock,
      ...(looked?.code === 0 ? { firstLook: looked.stdout } : {}),
    });
    if (!health.ok) {
      const detail = await diagnostics(
        host,
        task.container,
        health.container?.healthLog,
        ctx.secrets,
      );
      return { ok: false, error: health.reason, detail, interrupted: Boolean(health.interrupted) };
    }
    return {
      ok: true,
      moved: { planned, host, oldWasRunning: false, containerId: health.container.id },
    };
  } catch (error) {
    return {
      ok: false,
      error: message(error),
      interrupted: ctx.signal.aborted,
      ...hostErrorOf(error),
    };
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
