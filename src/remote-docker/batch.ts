import type { HostSpec } from '../inventory/model.js';
import type { Batch, BatchStep } from '../shared/command.js';
import { dockerArgv } from './docker.js';

export type { Batch, BatchStep, StepResult } from '../shared/command.js';
export { parseBatch } from '../shared/command.js';

/**
 * Several steps as one command for a host: docker steps get the host's docker binary and
 * `sudo -n`. Stays data; `shared/command.ts` renders it where it is sent.
 * @example hostBatch({ docker: 'docker', sudo: true }, [{ argv: ['docker', 'ps'] }])
 * // { steps: [{ argv: ['sudo', '-n', 'docker', 'ps'] }] }
 */
export function hostBatch(
  host: Pick<HostSpec, 'docker' | 'sudo'>,
  steps: readonly BatchStep[],
  cleanup?: readonly string[],
): Batch {
  return {
    steps: steps.map((step) =>
      step.argv[0] === 'docker' ? { ...step, argv: dockerArgv(host, step.argv) } : step,
    ),
    ...(cleanup ? { cleanup } : {}),
  };
}
