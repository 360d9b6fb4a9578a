/**
 * `up`, `update` and `rollback`: observe the selected hosts, plan, lock, pull, then run
 * jobs in dependency order. Returns what happened to every task; recording it in the
 * ledger is the caller's job (see record.ts), so this module touches only hosts.
 *
 * The runbook: lock and look (deploy-locks.ts) → the steps of `RUNBOOK` over one shared
 * run context (deploy-context.ts, deploy-steps.ts) → the report (deploy-report.ts) → the
 * last round trip: set-aside containers, locks and tmp dir go, images are pruned.
 */
import { openRun, planFor, type DeployRequest, type DeployRun } from './deploy-context.js';
import { lockAndLook, releaseAndPrune } from './deploy-locks.js';
import { buildReport, type DeployReport } from './deploy-report.js';
import {
  guardStep,
  leftoversStep,
  planStep,
  pullStep,
  rolloutStep,
  type DeployStep,
} from './deploy-steps.js';
import { LockHeldError } from './locks.js';
import { observeHosts } from './observe.js';

export type { DeployAction, DeployRequest } from './deploy-context.js';
export type { DeployReport, TaskReport } from './deploy-report.js';

/**
 * What runs under the locks, in order. A step that the flow gains (shipping images,
 * proxy routes, a pre-deploy hook on the hosts) is one more entry here.
 */
const RUNBOOK: readonly DeployStep[] = [guardStep, planStep, pullStep, rolloutStep, leftoversStep];

export async function deploy(req: DeployRequest): Promise<DeployReport> {
  const run = openRun(req);
  try {
    await lockAndLook(run);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    return reportHeldLock(run, error);
  }
  try {
    for (const step of RUNBOOK) await step(run);
    return report(run);
  } finally {
    await releaseAndPrune(run);
  }
}

/** Nothing was changed; still show what would have been done. */
async function reportHeldLock(run: DeployRun, lockError: LockHeldError): Promise<DeployReport> {
  const observation = await observeHosts([...run.hosts.values()], run.req.parallel);
  await run.req.guard?.(observation.observed);
  Object.assign(run.hostErrors, observation.failed);
  run.plan = planFor(run, observation);
  return report(run, lockError);
}

function report(run: DeployRun, lockError?: LockHeldError): DeployReport {
  return buildReport({
    desired: run.desired,
    planned: run.plan.tasks,
    results: run.results,
    hostErrors: run.hostErrors,
    interrupted: run.req.signal.aborted,
    ...(lockError ? { lockError } : {}),
  });
}
