/**
 * `deploy logs`: the docker logs of each selected task's container, as structured lines.
 * Timestamps are always requested from docker (they fill `time` and order the lines);
 * a stderr line without one is docker's own message (no such container, …), never a
 * container's, so it becomes the task's error rather than a log line.
 */
import type { ResolvedTask } from '../inventory/model.js';
import {
  dockerArgv,
  dockerError,
  followArgv,
  dockerErrorLine,
  isHostLevelDockerError,
  logsArgv,
} from '../remote-docker/index.js';
import { DeployError, HostError, OperationError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
import type { HostDocker } from './host-docker.js';
import { BoundedMerge } from './log-merge.js';
import { LineSplitter, splitTimestamp, timeKey } from './log-lines.js';
import { asDeployError } from './observe.js';

export type LogStream = 'stdout' | 'stderr';

/** One line of a container's log (SPEC §3 `logs --json`). */
export interface LogLine {
  service: string;
  job: string;
  task: string;
  host: string;
  stream: LogStream;
  /** RFC 3339 as docker wrote it; null only if docker gave none. */
  time: string | null;
  line: string;
}

export interface LogsRequest {
  tail?: number | 'all';
  /** Anything `docker logs --since` takes. */
  since?: string;
  follow: boolean;
  /** Tasks in flight without --follow (following runs every task at once). */
  parallel: number;
  /** Ends a follow (and cancels reads); ended reads are not failures. */
  signal?: AbortSignal;
}

export interface LogsSink {
  line(line: LogLine): void;
  /** A task's log could not be read (no container, docker error). */
  taskFailed(task: ResolvedTask, error: DeployError): void;
  /** A host could not be reached or dropped; called once per host. */
  hostFailed(host: string, error: DeployError): void;
  warn(message: string): void;
}

export interface LogsResult {
  failedTasks: number;
  failedHosts: string[];
}

/** What a waiting line costs the merge window beyond its text (the object, its fields). */
const LINE_OVERHEAD = 64;

/** The transport caps channels per connection (sshd allows 10): more follows would queue forever. */
export const FOLLOWS_PER_HOST = 8;

export async function readLogs(
  tasks: readonly ResolvedTask[],
  hostOf: (name: string) => HostDocker,
  request: LogsRequest,
  sink: LogsSink,
): Promise<LogsResult> {
  const failedHosts = new Map<string, DeployError>();
  let failedTasks = 0;
  const hostFailed = (host: string, error: DeployError): void => {
    if (failedHosts.has(host)) return;
    failedHosts.set(host, error);
    sink.hostFailed(host, error);
  };
  const taskFailed = (task: ResolvedTask, error: DeployError): void => {
    failedTasks += 1;
    sink.taskFailed(task, error);
  };
  const settle = (task: ResolvedTask, error: unknown): void => {
    const e = asDeployError(task.host, error);
    if (e instanceof HostError) hostFailed(task.host, e);
    else taskFailed(task, e);
  };

  if (request.follow) {
    warnOverCap(tasks, sink);
    await Promise.all(
      tasks.map((task) =>
        followTask(task, hostOf(task.host), request, sink.line).then(
          (error) => error && taskFailed(task, error),
          (error: unknown) => settle(task, error),
        ),
      ),
    );
  } else {
    // Lines stream out as they arrive, merged into one timeline across tasks and hosts
    // within a bounded window (log-merge.ts); nothing holds a whole log. Ties keep task
    // order, then stdout before stderr; each task's stream keeps its own order.
    const merge = new BoundedMerge<LogLine>({
      sources: tasks.length * 2,
      emit: (l) => sink.line(l),
      key: (l) => timeKey(l.time),
      size: (l) => l.line.length + LINE_OVERHEAD,
    });
    const index = new Map(tasks.map((t, i) => [t, i]));
    await fanOut(tasks, request.parallel, async (task) => {
      const i = index.get(task)!;
      try {
        const error = await readTask(task, hostOf(task.host), request, (l) =>
          merge.push(2 * i + (l.stream === 'stdout' ? 0 : 1), l),
        );
        if (error) taskFailed(task, error);
      } catch (error) {
        settle(task, error);
      } finally {
        merge.end(2 * i);
        merge.end(2 * i + 1);
      }
    });
    merge.flush();
  }
  return { failedTasks, failedHosts: [...failedHosts.keys()] };
}

function warnOverCap(tasks: readonly ResolvedTask[], sink: LogsSink): void {
  const perHost = new Map<string, number>();
  for (const t of tasks) perHost.set(t.host, (perHost.get(t.host) ?? 0) + 1);
  for (const [host, n] of perHost) {
    if (n > FOLLOWS_PER_HOST) {
      sink.warn(
        `${host}: following ${n} tasks, but only ${FOLLOWS_PER_HOST} at once per host; narrow the target to see the rest`,
      );
    }
  }
}

/** Builds LogLines from one task's streams; docker's own (untimestamped) stderr is set apart. */
class TaskLines {
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  readonly dockerMessages: string[] = [];

  constructor(
    private readonly task: ResolvedTask,
    private readonly emit: (line: LogLine) => void,
  ) {}

  push(stream: LogStream, chunk: Buffer | string): void {
    for (const l of this.splitters[stream].push(chunk)) this.line(stream, l);
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const)
      for (const l of this.splitters[stream].end()) this.line(stream, l);
  }

  private line(stream: LogStream, raw: string): void {
    const { time, text } = splitTimestamp(raw);
    if (time === null && stream === 'stderr') {
      // The follow wrapper's heartbeat (FOLLOW_SCRIPT).
      if (raw === '') return;
      // Keep the last few: enough to explain a failure, bounded for a long follow.
      this.dockerMessages.push(raw);
      if (this.dockerMessages.length > 5) this.dockerMessages.shift();
      return;
    }
    const { service, job, task, host } = this.task;
    this.emit({ service, job, task, host, stream, time, line: text });
  }

  /** The task's error for a non-zero exit of `docker logs`. */
  failure(code: number): DeployError {
    const stderr = this.dockerMessages.join('\n');
    const kind = dockerError(stderr);
    if (isHostLevelDockerError(kind))
      return new HostError(this.task.host, 'docker', `docker refused: ${dockerErrorLine(stderr)}`);
    if (kind === 'no-such-container') {
      return new OperationError(
        `${this.task.container} does not exist on ${this.task.host}`,
        `deploy up ${this.task.service}/${this.task.job}/${this.task.task}`,
      );
    }
    return new OperationError(
      `docker logs ${this.task.container} failed with exit code ${code}${stderr ? `: ${dockerErrorLine(stderr)}` : ''}`,
    );
  }
}

/** Streams one task's log (no follow) to `emit`; resolves with its error if any. */
function readTask(
  task: ResolvedTask,
  host: HostDocker,
  request: LogsRequest,
  emit: (line: LogLine) => void,
): Promise<DeployError | undefined> {
  const argv = dockerArgv(
    host.spec,
    logsArgv(task.container, { ...options(request), timestamps: true }),
  );
  return streamTask(task, host, argv, host.timeoutMs, request, emit);
}

/** Streams one task's log until it ends or the signal fires; resolves with its error if any. */
function followTask(
  task: ResolvedTask,
  host: HostDocker,
  request: LogsRequest,
  emit: (line: LogLine) => void,
): Promise<DeployError | undefined> {
  const argv = followArgv(
    host.spec,
    logsArgv(task.container, { ...options(request), follow: true, timestamps: true }),
  );
  // A follow runs until the user stops it: no per-command timeout.
  return streamTask(task, host, argv, 0, request, emit);
}

/**
 * Runs a `docker logs` argv with its output streamed into lines (never collected: a log
 * can be any size). Docker refusing on the host throws HostError; other failures resolve
 * as the task's error.
 */
async function streamTask(
  task: ResolvedTask,
  host: HostDocker,
  argv: string[],
  timeoutMs: number,
  request: LogsRequest,
  emit: (line: LogLine) => void,
): Promise<DeployError | undefined> {
  const collector = new TaskLines(task, emit);
  let result;
  try {
    result = await host.transport.exec(argv, {
      timeoutMs,
      collect: false,
      ...(request.signal ? { signal: request.signal } : {}),
      onStdout: (chunk) => collector.push('stdout', chunk),
      onStderr: (chunk) => collector.push('stderr', chunk),
    });
  } finally {
    collector.end();
  }
  if (result.code === 0 || (result.code === 130 && request.signal?.aborted)) return undefined;
  const error = collector.failure(result.code);
  if (error instanceof HostError) throw error;
  return error;
}

function options(request: LogsRequest): { tail?: number | 'all'; since?: string } {
  return {
    ...(request.tail !== undefined ? { tail: request.tail } : {}),
    ...(request.since !== undefined ? { since: request.since } : {}),
  };
}
