/**
 * Runs docker builders' argv on one host through its Transport: applies the host's
 * docker binary and `sudo -n`, the per-command timeout, and turns failures into typed
 * errors. Everything effectful the tasks do to a host goes through here.
 */
import type { HostSpec } from '../inventory/model.js';
import type { ExecResult, Transport } from '../transport/types.js';
import {
  dockerArgv,
  dockerError,
  dockerErrorLine,
  isHostLevelDockerError,
} from '../remote-docker/index.js';
import { HostError, RemoteCommandError } from '../shared/errors.js';
import { shellJoin } from '../shared/quote.js';

export interface RunOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class HostDocker {
  constructor(
    readonly spec: HostSpec,
    readonly transport: Transport,
    readonly timeoutMs: number,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Runs and returns whatever exit code; docker/sudo refusals become HostError (exit 3). */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
    const full = argv[0] === 'docker' ? dockerArgv(this.spec, [...argv]) : [...argv];
    const result = await this.transport.exec(full, {
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
    });
    if (result.code !== 0) {
      const kind = dockerError(result.stderr);
      if (isHostLevelDockerError(kind)) {
        throw new HostError(
          this.name,
          'docker',
          `docker refused: ${dockerErrorLine(result.stderr)}`,
          kind === 'sudo-refused'
            ? 'allow passwordless `sudo -n docker` for the SSH user, or set sudo: false'
            : undefined,
        );
      }
    }
    return result;
  }

  /** Runs and throws RemoteCommandError on a non-zero exit. */
  async must(argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
    const result = await this.run(argv, options);
    if (result.code !== 0) {
      throw new RemoteCommandError(this.name, shellJoin(argv), result.code, result.stderr);
    }
    return result;
  }
}
