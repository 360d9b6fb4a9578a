/**
 * `deploy logs TARGET [-f] [--tail N] [--since T]`: every selected task's log through
 * tasks/logs.ts, merged by time (or streamed with -f), secret values masked before a line
 * leaves this module (programs sometimes print their own environment).
 */
import type { ResolvedTask } from '../../inventory/model.js';
import { maskSecrets } from '../../shared/secret.js';
import { HostDocker } from '../host-docker.js';
import { readLogs, type LogsRequest, type LogsResult, type LogsSink } from '../logs.js';
import type { HostSession, RunSettings } from './context.js';

export type { LogLine, LogsSink } from '../logs.js';

export interface LogsOptions extends Pick<LogsRequest, 'tail' | 'since' | 'follow'> {
  tasks: readonly ResolvedTask[];
}

export function logs(
  session: HostSession,
  settings: RunSettings,
  sink: LogsSink,
  opts: LogsOptions,
): Promise<LogsResult> {
  const { project, pool } = session;
  const hosts = new Map<string, HostDocker>();
  const hostOf = (name: string): HostDocker => {
    let h = hosts.get(name);
    if (!h) {
      h = new HostDocker(project.inventory.hosts[name]!, pool.get(name), settings.timeoutMs);
      hosts.set(name, h);
    }
    return h;
  };
  return readLogs(
    opts.tasks,
    hostOf,
    {
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      follow: opts.follow,
      parallel: settings.parallel,
      signal: session.signal,
    },
    { ...sink, line: (l) => sink.line({ ...l, line: maskSecrets(l.line, project.secrets) }) },
  );
}
