/**
 * SPEC §7.5: after a rollback, `update` refuses to redeploy the very spec that was rolled
 * away from, so a CI run of unchanged files cannot silently undo an operator's rollback.
 */
import type { ResolvedService } from '../inventory/model.js';
import { jobOf, jobSpecKey, serviceSpec, type LedgerEntry } from '../ledger/index.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import { OperationError } from '../shared/errors.js';

export function rollbackGuard(
  services: ResolvedService[],
  fullServices: ResolvedService[],
  entries: LedgerEntry[],
  inventory: string,
): (observed: Record<string, ObservedContainer[]>) => void {
  return (observed) => {
    const running = Object.values(observed).flat();
    for (const service of services) {
      const full = fullServices.find((s) => s.service === service.service) ?? service;
      const desired = serviceSpec(full);
      for (const job of service.jobs) {
        const versions = running
          .filter(
            (c) =>
              c.inventory === inventory &&
              c.service === service.service &&
              c.job === job.job &&
              !c.name.endsWith('.old'),
          )
          .map((c) => c.version);
        const rollback = entries
          .filter((e) => versions.includes(e.id) && e.action === 'rollback' && e.rolled_back_from)
          .at(-1);
        if (!rollback) continue;
        const from = entries.find((e) => e.id === rollback.rolled_back_from);
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
