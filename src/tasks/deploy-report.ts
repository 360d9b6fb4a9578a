/**
 * The report of a deploy: one line per selected task (what was planned, what happened),
 * the services that get a ledger entry, and the exit code (SPEC §3). Pure: built from the
 * desired tasks, the plan, the tasks' results and the hosts' errors.
 */
import type { ResolvedTask } from '../inventory/model.js';
import { type DeployError, type ExitCode, worstExit } from '../shared/errors.js';
import type { Outcome, TaskResult } from './jobs.js';
import type { LockHeldError } from './locks.js';
import { taskKey, type PlannedTask } from './plan.js';

export interface TaskReport {
  service: string;
  job: string;
  task: string;
  host: string;
  container: string;
  image: string;
  hash: string;
  action: PlannedTask['action'];
  reasons: string[];
  outcome: Outcome | 'ok';
  error: string | null;
  container_id: string | null;
}

export interface DeployReport {
  tasks: TaskReport[];
  /** Services that had something to do (each gets a ledger entry). */
  touched: string[];
  hostErrors: Record<string, DeployError>;
  exitCode: ExitCode;
  /** Set when a lock was held: nothing was changed. */
  lockError?: LockHeldError;
}

export interface ReportInput {
  /** The selected tasks, in report order. */
  desired: readonly ResolvedTask[];
  /** The plan (of the reachable hosts' tasks). */
  planned: readonly PlannedTask[];
  /** task key → what running it gave. */
  results: ReadonlyMap<string, TaskResult>;
  hostErrors: Record<string, DeployError>;
  /** The run was interrupted (exit 130). */
  interrupted: boolean;
  /** A lock was held: nothing ran, planned work shows as skipped. */
  lockError?: LockHeldError;
}

export function buildReport(input: ReportInput): DeployReport {
  const byKey = new Map(input.planned.map((p) => [taskKey(p), p]));
  const tasks = input.desired.map((t) =>
    taskReport(t, byKey.get(taskKey(t)), input.results.get(taskKey(t)), input),
  );
  const touched = input.lockError
    ? []
    : [
        ...new Set(
          tasks.filter((t) => t.action !== 'unchanged' || t.outcome !== 'ok').map((t) => t.service),
        ),
      ];
  const report: DeployReport = {
    tasks,
    touched,
    hostErrors: input.hostErrors,
    exitCode: exitCodeOf(tasks, input),
  };
  if (input.lockError) report.lockError = input.lockError;
  return report;
}

function taskReport(
  t: ResolvedTask,
  p: PlannedTask | undefined,
  r: TaskResult | undefined,
  input: ReportInput,
): TaskReport {
  const hostError = input.hostErrors[t.host];
  let outcome: TaskReport['outcome'] = 'ok';
  let error: string | null = null;
  if (hostError && !r) {
    outcome = hostError.exitCode === 3 ? 'unreachable' : 'failed';
    error = hostError.message;
  } else if (input.lockError && p && p.action !== 'unchanged') {
    outcome = 'skipped';
    error = input.lockError.message;
  } else if (r) {
    outcome = r.outcome;
    error = r.error;
  }
  return {
    service: t.service,
    job: t.job,
    task: t.task,
    host: t.host,
    container: t.container,
    image: t.spec.image,
    hash: t.hash,
    action: p?.action ?? 'unchanged',
    reasons: p?.reasons ?? [],
    outcome,
    error,
    container_id: r?.containerId ?? p?.current?.id ?? null,
  };
}

/** SPEC §3: hosts' errors, interruption, a held lock, and tasks that did not end ok. */
function exitCodeOf(tasks: readonly TaskReport[], input: ReportInput): ExitCode {
  const codes: ExitCode[] = Object.values(input.hostErrors).map((e) => e.exitCode);
  for (const r of input.results.values()) if (r.hostError) codes.push(r.hostError.exitCode);
  if (input.interrupted) codes.push(130);
  if (input.lockError) codes.push(1);
  const bad = new Set<TaskReport['outcome']>(['failed', 'rolled_back', 'skipped']);
  if (tasks.some((t) => bad.has(t.outcome))) codes.push(1);
  return worstExit(codes);
}
