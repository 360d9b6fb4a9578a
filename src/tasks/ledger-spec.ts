/**
 * Rebuilds a service from the spec a ledger entry recorded (src/ledger/spec.ts writes
 * it), for `rollback`: secrets take today's values, so hashes are recomputed.
 */
import type { ResolvedService, ResolvedTask } from '../inventory/model.js';
import type { LedgerServiceSpec } from '../ledger/index.js';

export function serviceFromLedger(
  spec: LedgerServiceSpec,
  file: string,
  rehash: (
    task: Omit<ResolvedTask, 'hash' | 'secretHashes'>,
  ) => Pick<ResolvedTask, 'hash' | 'secretHashes'>,
): ResolvedService {
  return {
    service: spec.service,
    file,
    dependsOn: spec.depends_on,
    jobs: Object.entries(spec.jobs).map(([job, j]) => ({
      service: spec.service,
      job,
      update: j.update,
      dependsOn: j.depends_on,
      tasks: j.tasks.map((t) => {
        const base = {
          service: spec.service,
          job,
          task: t.task,
          host: t.host,
          container: t.container,
          spec: t.spec,
        };
        return { ...base, ...rehash(base) };
      }),
    })),
  };
}
