/**
 * SPEC §7.5: after a rollback, `update` refuses to redeploy the very spec that was rolled
 * away from, so a CI run of unchanged files cannot silently undo an operator's rollback.
 */
import type { ResolvedService } from '../inventory/model.js';
import { jobOf, jobSpecKey, serviceSpec, type EntryLookup } from '../ledger/index.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import { OperationError } from '../shared/errors.js';

export function rollbackGuard(
  services: ResolvedService[],
  fullServices: ResolvedService[],
  lookup: EntryLookup,
  inventory: string,
): (observed: Record<string, ObservedContainer[]>) => Promise<void> {
  return async (observed) => {
    const running = Object.values(observed)
      .flat()
      .filter((c) => c.inventory === inventory && !c.name.endsWith('.old') && c.version);
    // Two small lookups instead of the whole ledger: the running entries, then what each
    // rollback among them rolled away from.
    const byId = await lookup(new Set(running.map((c) => c.version)));
    const rollbacks = [...byId.values()].filter(
      (e) => e.action === 'rollback' && e.rolled_back_from,
    );
    const away = await lookup(new Set(rollbacks.map((e) => e.rolled_back_from!)));
    for (const service of services) {
      const full = fullServices.find((s) => s.service === service.service) ?? service;
      const desired = serviceSpec(full);
      for (const job of service.jobs) {
        const versions = new Set(
          running
            .filter((c) => c.service === service.service && c.job === job.job)
            .map((c) => c.version),
        );
        const rollback = rollbacks
          .filter((e) => versions.has(e.id))
          .sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id))
          .at(-1);
        if (!rollback) continue;
        const from = away.get(rollback.rolled_back_from!);
        const fromJob = from ? jobOf(from, job.job) : undefined;
        const want = desired.jobs[job.job];
        if (fromJob && want && jobSpecKey(fromJob) === jobSpecKey(want)) {
          throw new OperationError(
            `${service.service}/${job.job} was rolled back to ${rollback.source} (entry ${rollback.id}); the files still hold the spec rolled away from (${rollback.rolled_back_from})`,
            'revert the files to the version you want, or pass --force to redeploy them anyway',
          );
        }
      }
    }
  };
}
