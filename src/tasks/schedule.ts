/**
 * The job scheduler of a deploy: each job starts as soon as what it depends on is done
 * (jobs of the same service named in its `depends_on`, every job of a service named in
 * the service's `depends_on`); independent jobs run side by side. Dependencies outside the
 * selection count as met. Pure: it knows nothing of hosts, it only orders calls to `run`.
 */

/** The part of a resolved service the scheduler reads. */
export interface ScheduledService<J extends ScheduledJob = ScheduledJob> {
  service: string;
  /** Services whose every selected job must be done first. */
  dependsOn: readonly string[];
  jobs: readonly J[];
}

export interface ScheduledJob {
  job: string;
  /** Jobs of the same service that must be done first. */
  dependsOn: readonly string[];
}

/**
 * What became of a job: `failed` blocks its dependents; `idle` (nothing to do, or blocked
 * with nothing to skip) and `ok` do not.
 */
export type JobVerdict = 'ok' | 'failed' | 'idle';

/**
 * Runs one job once its dependencies are done. `blockedBy` names (`service/job`) the
 * dependencies that failed, in the order they failed; the job decides what that means
 * (the deploy skips its tasks).
 */
export type JobRunner<S extends ScheduledService> = (
  service: S,
  job: S['jobs'][number],
  blockedBy: string[],
) => Promise<JobVerdict>;

export const jobKey = (service: string, job: string): string => `${service}/${job}`;

/** Runs every job of `services` through `run`, each after its dependencies; resolves when all are done. */
export async function runByDependencies<S extends ScheduledService>(
  services: readonly S[],
  run: JobRunner<S>,
): Promise<void> {
  // Insertion order is failure order: it is the order `blockedBy` names them in.
  const failed = new Set<string>();
  const started = new Map<string, Promise<void>>();
  const whenReady = (service: S, job: S['jobs'][number]): Promise<void> => {
    const k = jobKey(service.service, job.job);
    let promise = started.get(k);
    if (promise) return promise;
    promise = (async () => {
      await Promise.all(dependenciesOf(services, service, job).map(([s, j]) => whenReady(s, j)));
      const verdict = await run(service, job, blockedBy(failed, service, job));
      if (verdict === 'failed') failed.add(k);
    })();
    started.set(k, promise);
    return promise;
  };
  await Promise.all(services.flatMap((s) => s.jobs.map((j) => whenReady(s, j))));
}

/** The selected jobs `job` waits for: its own service's named jobs, then the named services' jobs. */
function dependenciesOf<S extends ScheduledService>(
  services: readonly S[],
  service: S,
  job: S['jobs'][number],
): [S, S['jobs'][number]][] {
  const deps: [S, S['jobs'][number]][] = [];
  for (const d of job.dependsOn) {
    const dj = service.jobs.find((x) => x.job === d);
    if (dj) deps.push([service, dj]);
  }
  for (const sn of service.dependsOn) {
    const ds = services.find((x) => x.service === sn);
    for (const dj of ds?.jobs ?? []) deps.push([ds!, dj]);
  }
  return deps;
}

/** The failed dependencies of `job`: its named jobs first, then the named services' failed jobs. */
function blockedBy(
  failed: ReadonlySet<string>,
  service: ScheduledService,
  job: ScheduledJob,
): string[] {
  return [
    ...job.dependsOn.map((d) => jobKey(service.service, d)),
    ...service.dependsOn.flatMap((sn) => [...failed].filter((f) => f.startsWith(`${sn}/`))),
  ].filter((d) => failed.has(d));
}
