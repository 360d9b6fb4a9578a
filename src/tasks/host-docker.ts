/**
 * Runs docker builders' argv on one host through its Transport: applies the host's
 * docker binary and `sudo -n`, the per-command timeout, and turns failures into typed
 * errors. Everything effectful the tasks do to a host goes through here.
 */
import type { HostSpec } from '../inventory/model.js';
import type { ExecResult, PtyOptions, Transport } from '../transport/types.js';
import {
  dockerArgv,
  dockerError,
  dockerErrorLine,
  isHostLevelDockerError,
  hostBatch,
  parseBatch,
  type BatchStep,
  type StepResult,
} from '../remote-docker/index.js';
import { HostError, RemoteCommandError } from '../shared/errors.js';
import { shellJoin } from '../shared/quote.js';

export interface RunOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamOptions {
  stdin?: NodeJS.ReadableStream;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  pty?: PtyOptions;
}

export interface BatchOptions extends RunOptions {
  /** Return refused steps like any failure instead of throwing (the caller sorts them). */
  keepRefusals?: boolean;
  /** Run by a remote `trap` when the batch ends, however it ends (see Batch.cleanup). */
  cleanup?: readonly string[];
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
    if (result.code !== 0) this.refused(result.stderr);
    return result;
  }

  /**
   * Runs with the output streamed to the callbacks (nothing collected) and, when given,
   * `stdin` streamed in; no time limit unless `timeoutMs`. Resolves with the exit code.
   */
  async stream(argv: readonly string[], options: StreamOptions): Promise<number> {
    const full = argv[0] === 'docker' ? dockerArgv(this.spec, [...argv]) : [...argv];
    const result = await this.transport.exec(full, {
      ...(options.stdin ? { stdinStream: options.stdin } : {}),
      ...(options.pty ? { pty: options.pty } : {}),
      timeoutMs: options.timeoutMs ?? 0,
      signal: options.signal,
      onStdout: options.onStdout,
      onStderr: options.onStderr,
      collect: false,
    });
    return result.code;
  }

  private refused(stderr: string): void {
    const error = this.refusal(stderr);
    if (error) throw error;
  }

  /** The HostError (exit 3) a failed command's stderr amounts to, if docker/sudo refused. */
  refusal(stderr: string): HostError | undefined {
    const kind = dockerError(stderr);
    if (isHostLevelDockerError(kind)) {
      return new HostError(
        this.name,
        'docker',
        `docker refused: ${dockerErrorLine(stderr)}`,
        kind === 'sudo-refused'
          ? 'allow passwordless `sudo -n docker` for the SSH user, or set sudo: false'
          : undefined,
      );
    }
    return undefined;
  }

  /**
   * Runs steps in one round trip, stopping at the first failure unless the step `mayFail`;
   * returns the results of the steps that ran. Refusals become HostError as in `run`.
   */
  async batch(steps: readonly BatchStep[], options: BatchOptions = {}): Promise<StepResult[]> {
    const batch = hostBatch(this.spec, steps, options.cleanup);
    const result = await this.transport.exec(batch, {
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
    });
    const results = parseBatch(batch, result);
    if (!options.keepRefusals) for (const r of results) if (r.code !== 0) this.refused(r.stderr);
    return results;
  }

  /** Throws RemoteCommandError unless the step ran and exited 0. */
  check(step: BatchStep, result: StepResult | undefined): StepResult {
    if (result?.code === 0) return result;
    throw new RemoteCommandError(
      this.name,
      shellJoin(step.argv),
      result?.code ?? 1,
      result?.stderr ?? 'not run',
    );
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
