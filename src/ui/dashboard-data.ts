/**
 * What the dashboard shows, fetched over SSH when a page asks and shared through a short
 * cache: the status overview, a task's redacted inspect and its last log lines, a job's
 * ledger history, and host figures. Host failures become data ("unreachable"), never
 * exceptions that blank a page.
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import { readLedger, type LedgerEntry, type LedgerProblem } from '../ledger/index.js';
import type { HostStats } from '../remote-docker/index.js';
import { HostDocker } from '../tasks/host-docker.js';
import { readInspect } from '../tasks/inspect.js';
import { readableHosts } from '../tasks/host-names.js';
import { readLogs } from '../tasks/logs.js';
import { collectStats } from '../tasks/stats.js';
import { readStatus, type StatusReport } from '../tasks/status.js';
import type { HostPool } from '../transport/index.js';
import { FetchCache } from './cache.js';
import { maskText } from '../tasks/redact.js';

export interface DashboardOptions {
  parallel: number;
  /** Per remote command: a page should not hang on one slow host for the CLI's 5 minutes. */
  timeoutMs: number;
  cacheTtlMs: number;
}

export interface LogLine {
  time: string | null;
  stream: 'stdout' | 'stderr';
  text: string;
}

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: string };

export interface HostRow {
  host: string;
  address: string;
  stats: HostStats | null;
  error: string | null;
}

export const LOG_TAIL = 200;

export class DashboardData {
  readonly cache: FetchCache;

  constructor(
    readonly project: Project,
    private readonly pool: HostPool,
    private readonly opts: DashboardOptions,
  ) {
    this.cache = new FetchCache(opts.cacheTtlMs);
  }

  /** Hosts read for the overview: every inventory host except those used only as a jump. */
  get readHosts(): string[] {
    return readableHosts(this.project);
  }

  status(): Promise<StatusReport> {
    return this.cache.get('status', () =>
      readStatus(this.project, this.project.services, this.readHosts, this.pool, {
        // The dashboard shows restart counts and exact uptimes: worth the second read.
        read: 'full',
        parallel: this.opts.parallel,
        timeoutMs: this.opts.timeoutMs,
      }),
    );
  }

  findTask(service: string, job: string, task: string): ResolvedTask | undefined {
    return this.project.services
      .find((s) => s.service === service)
      ?.jobs.find((j) => j.job === job)
      ?.tasks.find((t) => t.task === task);
  }

  hasJob(service: string, job: string): boolean {
    return Boolean(
      this.project.services.find((s) => s.service === service)?.jobs.some((j) => j.job === job),
    );
  }

  /** `docker inspect` of the task's container with its secrets redacted. */
  inspect(t: ResolvedTask): Promise<Fetched<{ inspect: unknown; values: string[] }>> {
    return this.cache.get(`inspect:${t.host}:${t.container}`, async () => {
      try {
        const read = await readInspect(this.project, t, this.docker(t.host));
        if (read.kind === 'failed')
          return {
            ok: false,
            error: firstLine(read.stderr) || `docker inspect exited ${read.code}`,
          };
        if (read.kind === 'not-json') return { ok: false, error: message(read.error) };
        return { ok: true, value: read.redacted };
      } catch (err) {
        return { ok: false, error: message(err) };
      }
    });
  }

  /** The last lines of the task's log, both streams merged by time, secret values masked. */
  logs(t: ResolvedTask, tail = LOG_TAIL): Promise<Fetched<LogLine[]>> {
    return this.cache.get(
      `logs:${t.host}:${t.container}:${tail}`,
      async () => {
        try {
          const collected: LogLine[] = [];
          let failure: string | null = null;
          const [, insp] = await Promise.all([
            readLogs(
              [t],
              (h) => this.docker(h),
              { tail, follow: false, parallel: 1 },
              {
                line: (l) => collected.push({ time: l.time, stream: l.stream, text: l.line }),
                taskFailed: (_t, e) => (failure = e.message),
                hostFailed: (_h, e) => (failure = e.message),
                warn: () => undefined,
              },
            ),
            this.inspect(t),
          ]);
          if (failure !== null) return { ok: false, error: failure };
          const values = insp.ok ? insp.value.values : [];
          const lines = collected
            .slice(-tail)
            .map((l) => ({ ...l, text: maskText(l.text, values) }));
          return { ok: true, value: lines };
        } catch (err) {
          return { ok: false, error: message(err) };
        }
      },
      // Follow mode polls this: keep it fresh but still shared between viewers.
      Math.min(this.opts.cacheTtlMs, 2_000),
    );
  }

  /** Ledger entries of this inventory that touched the job, newest first. */
  history(
    service: string,
    job: string,
  ): Promise<{ entries: LedgerEntry[]; problems: LedgerProblem[] }> {
    return this.cache.get(`history:${service}/${job}`, async () => {
      const read = await readLedger(this.project.dir, {
        service,
        inventory: this.project.inventory.name,
      });
      const entries = read.entries
        .filter((e) => e.tasks.some((t) => t.job === job) || jobSpec(e, job) !== undefined)
        .reverse();
      return { entries, problems: read.problems };
    });
  }

  hosts(): Promise<HostRow[]> {
    return this.cache.get(
      'hosts',
      async () => {
        const names = this.readHosts;
        const report = await collectStats(
          names.map((h) => this.docker(h)),
          this.opts.parallel,
        );
        return names.map((h): HostRow => {
          const address = this.project.inventory.hosts[h]!.address;
          const ok = report.hosts.find((r) => r.host === h);
          const failed = report.failed.find((r) => r.host === h);
          return {
            host: h,
            address,
            stats: ok ?? null,
            error: ok ? null : (failed?.error.message ?? 'not read'),
          };
        });
      },
      // docker stats --no-stream takes ~2 s: keep its figures a little longer.
      Math.max(this.opts.cacheTtlMs, 5_000),
    );
  }

  private docker(host: string): HostDocker {
    return new HostDocker(
      this.project.inventory.hosts[host]!,
      this.pool.get(host),
      this.opts.timeoutMs,
    );
  }
}

/** The job's part of an entry's recorded service spec, if it has one. */
export function jobSpec(entry: LedgerEntry, job: string): unknown {
  const jobs = (entry.spec as { jobs?: Record<string, unknown> } | null)?.jobs;
  return jobs && Object.hasOwn(jobs, job) ? jobs[job] : undefined;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
