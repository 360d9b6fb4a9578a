/**
 * How tasks tell the CLI what is happening. Core code never prints: it calls a Reporter,
 * and src/cli picks the rendering (plain lines, TTY progress, or nothing under --json).
 */
export interface TaskRef {
  service: string;
  job: string;
  task: string;
  host: string;
}

export interface Reporter {
  /** A step on a task began (`pulling`, `creating`, `waiting for health`, …). */
  step(ref: TaskRef, message: string): void;
  /** A task finished; `detail` holds the diagnostics of a failure (logs tail, health log). */
  done(ref: TaskRef, outcome: string, message: string, detail?: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentReporter: Reporter = {
  step: () => {},
  done: () => {},
  info: () => {},
  warn: () => {},
};

export function taskLabel(ref: TaskRef): string {
  return `${ref.service}/${ref.job}/${ref.task}@${ref.host}`;
}
