/**
 * Selection helpers shared by the lifecycle commands: `up X` also brings up X's missing
 * dependencies (SPEC §7.2); `update --only-failed` narrows to tasks that did not succeed.
 */
import type { Project, ResolvedService, ResolvedTask } from '../inventory/model.js';

/** Adds the jobs and services the selection depends on, transitively, in start order. */
export function withDependencies(
  project: Project,
  selected: ResolvedService[],
  hostFilter?: (t: ResolvedTask) => boolean,
): ResolvedService[] {
  const chosen = new Map<string, Set<string> | 'all'>(); // service → job names
  const taskPick = new Map<string, Set<string>>(); // `service/job` → selected task keys, when narrowed
  const addJob = (service: ResolvedService, job: string, seen: Set<string>): void => {
    const key = `${service.service}/${job}`;
    if (seen.has(key)) return;
    seen.add(key);
    const jobs = chosen.get(service.service);
    if (jobs !== 'all') chosen.set(service.service, new Set([...(jobs ?? []), job]));
    const j = service.jobs.find((x) => x.job === job);
    for (const dep of j?.dependsOn ?? []) addJob(service, dep, seen);
    for (const depService of service.dependsOn) addService(depService, seen);
  };
  const addService = (name: string, seen: Set<string>): void => {
    const s = project.services.find((x) => x.service === name);
    if (!s || chosen.get(name) === 'all') return;
    chosen.set(name, 'all');
    for (const j of s.jobs) addJob(s, j.job, seen);
    chosen.set(name, 'all');
  };
  const seen = new Set<string>();
  for (const s of selected) {
    const full = project.services.find((x) => x.service === s.service)!;
    for (const j of s.jobs) {
      const fullJob = full.jobs.find((x) => x.job === j.job)!;
      if (j.tasks.length !== fullJob.tasks.length) {
        taskPick.set(`${s.service}/${j.job}`, new Set(j.tasks.map((t) => `${t.task}@${t.host}`)));
      }
      addJob(full, j.job, seen);
    }
  }
  return project.services
    .filter((s) => chosen.has(s.service))
    .map((s) => {
      const jobs = chosen.get(s.service)!;
      return {
        ...s,
        jobs: s.jobs
          .filter((j) => jobs === 'all' || jobs.has(j.job))
          .map((j) => {
            const pick = taskPick.get(`${s.service}/${j.job}`);
            return {
              ...j,
              tasks: j.tasks.filter(
                (t) => (!pick || pick.has(`${t.task}@${t.host}`)) && (!hostFilter || hostFilter(t)),
              ),
            };
          }),
      };
    });
}

/** Keeps only the tasks `keep` accepts; drops jobs and services left empty. */
export function narrowTasks(
  services: ResolvedService[],
  keep: (t: ResolvedTask) => boolean,
): ResolvedService[] {
  return services
    .map((s) => ({
      ...s,
      jobs: s.jobs
        .map((j) => ({ ...j, tasks: j.tasks.filter(keep) }))
        .filter((j) => j.tasks.length > 0),
    }))
    .filter((s) => s.jobs.length > 0);
}
