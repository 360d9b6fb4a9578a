import type { HostSpec } from '../inventory/model.js';
import { shellJoin } from '../shared/quote.js';
import { dockerArgv } from './docker.js';

/**
 * Several commands in one round trip. Each command that runs on a target costs a channel,
 * a login shell and a barrier across hosts; a deploy's steps on one task (rename, stop;
 * create, start, first look) follow each other anyway, so they travel together and each
 * step still gets its own exit code, stdout and stderr back.
 */
export interface BatchStep {
  argv: readonly string[];
  /** This step reads the batch's stdin (at most one step should); the others get /dev/null. */
  stdin?: boolean;
  /** Go on after a non-zero exit (a check, a best-effort step); by default the batch stops. */
  mayFail?: boolean;
}

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

// ASCII record separator: docker never prints it, so it cannot be confused with output.
const RS = '\u001e';
const MARK_SCRIPT = `m() { printf '\\036%s %s\\036' "$1" "$2"; printf '\\036%s\\036' "$1" >&2; }`;

/**
 * @example batchArgv(host, [{ argv: ['docker', 'rename', 'a', 'a.old'] }, { argv: ['docker', 'stop', 'a.old'] }])
 * // ['sh', '-c', 'm() {…}\ndocker rename a a.old </dev/null; r=$?; m 0 $r; [ $r -eq 0 ] || exit $r\n…']
 */
export function batchArgv(
  host: Pick<HostSpec, 'docker' | 'sudo'>,
  steps: readonly BatchStep[],
): string[] {
  const lines = steps.map((step, i) => {
    const argv = step.argv[0] === 'docker' ? dockerArgv(host, step.argv) : step.argv;
    const run = `${shellJoin(argv)}${step.stdin ? '' : ' </dev/null'}; r=$?; m ${i} $r`;
    return step.mayFail ? run : `${run}; [ $r -eq 0 ] || exit $r`;
  });
  return ['sh', '-c', [MARK_SCRIPT, ...lines].join('\n')];
}

/**
 * Splits a batch's output back into its steps. A step cut short (timeout, lost connection)
 * has no mark: it comes back with the batch's own exit code and whatever output it left.
 */
export function parseBatch(
  steps: readonly BatchStep[],
  batch: { code: number; stdout: string; stderr: string },
): StepResult[] {
  const results: StepResult[] = [];
  const outMark = new RegExp(`${RS}(\\d+) (\\d+)${RS}`, 'g');
  let at = 0;
  for (let m = outMark.exec(batch.stdout); m; m = outMark.exec(batch.stdout)) {
    results.push({ code: Number(m[2]), stdout: batch.stdout.slice(at, m.index), stderr: '' });
    at = outMark.lastIndex;
  }
  const outRest = batch.stdout.slice(at);
  const errMark = new RegExp(`${RS}(\\d+)${RS}`, 'g');
  let errAt = 0;
  let k = 0;
  for (let m = errMark.exec(batch.stderr); m; m = errMark.exec(batch.stderr)) {
    if (results[k]) results[k]!.stderr = batch.stderr.slice(errAt, m.index);
    errAt = errMark.lastIndex;
    k++;
  }
  const errRest = batch.stderr.slice(errAt);
  const last = results[results.length - 1];
  const stoppedOnFailure =
    last !== undefined && last.code !== 0 && !steps[results.length - 1]?.mayFail;
  if (results.length < steps.length && !stoppedOnFailure) {
    results.push({ code: batch.code === 0 ? 1 : batch.code, stdout: outRest, stderr: errRest });
  }
  return results;
}
