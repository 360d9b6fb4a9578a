/**
 * What the dashboard shows, fetched over SSH when a page asks and shared through a short
 * cache: the status overview, a task's redacted inspect and its last log lines, a job's
 * ledger history, and host figures. Host failures become data ("unreachable"), never
 * exceptions that blank a page.
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import { readLedger, type LedgerEntry, type LedgerProblem } from '../ledger/index.js';
import { inspectArgv, logsArgv } from '../remote-docker/index.js';
import { HostDocker } from '../tasks/host-docker.js';
import { readStatus, type StatusReport } from '../tasks/status.js';
import type { HostPool } from '../transport/index.js';
import { FetchCache } from './cache.js';
import { parseStats, statsArgv, type HostStats } from './host-stats.js';
import { maskText, redactInspect } from './redact.js';

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
    const inv = this.project.inventory;
    const withTasks = new Set(this.project.services.flatMap((s) => s.jobs.flatMap((j) => j.tasks.map((t) => t.host))));
    const jumps = new Set(Object.values(inv.hosts).map((h) => h.jump));
    return Object.keys(inv.hosts).filter((h) => withTasks.has(h) || !jumps.has(h));
  }

  status(): Promise<StatusReport> {
    return this.cache.get('status', () =>
      readStatus(this.project, this.project.services, this.readHosts, this.pool, {
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
    return Boolean(this.project.services.find((s) => s.service === service)?.jobs.some((j) => j.job === job));
  }

  /** `docker inspect` of the task's container with its secrets redacted. */
  inspect(t: ResolvedTask): Promise<Fetched<{ inspect: unknown; values: string[] }>> {
    return this.cache.get(`inspect:${t.host}:${t.container}`, async () => {
      try {
        const r = await this.docker(t.host).run(inspectArgv([t.container]));
        if (r.code !== 0) return { ok: false, error: firstLine(r.stderr) || `docker inspect exited ${r.code}` };
        const parsed: unknown = JSON.parse(r.stdout);
        return { ok: true, value: redactInspect(parsed, t.spec.secrets) };
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
          const [r, insp] = await Promise.all([
            this.docker(t.host).run(logsArgv(t.container, { tail, timestamps: true })),
            this.inspect(t),
          ]);
          if (r.code !== 0) return { ok: false, error: firstLine(r.stderr) || `docker logs exited ${r.code}` };
          const values = insp.ok ? insp.value.values : [];
          const lines = mergeStreams(r.stdout, r.stderr)
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
  history(service: string, job: string): Promise<{ entries: LedgerEntry[]; problems: LedgerProblem[] }> {
    return this.cache.get(`history:${service}/${job}`, async () => {
      const read = await readLedger(this.project.dir, { service, inventory: this.project.inventory.name });
      const entries = read.entries.filter((e) => e.tasks.some((t) => t.job === job) || jobSpec(e, job) !== undefined).reverse();
      return { entries, problems: read.problems };
    });
  }

  hosts(): Promise<HostRow[]> {
    return this.cache.get(
      'hosts',
      () =>
        Promise.all(
          this.readHosts.map(async (h): Promise<HostRow> => {
            const address = this.project.inventory.hosts[h]!.address;
            try {
              const spec = this.project.inventory.hosts[h]!;
              const r = await this.docker(h).must(statsArgv(spec));
              return { host: h, address, stats: parseStats(h, r.stdout), error: null };
            } catch (err) {
              return { host: h, address, stats: null, error: message(err) };
            }
          }),
        ),
      // docker stats --no-stream takes ~2 s: keep its figures a little longer.
      Math.max(this.opts.cacheTtlMs, 5_000),
    );
  }

  private docker(host: string): HostDocker {
    return new HostDocker(this.project.inventory.hosts[host]!, this.pool.get(host), this.opts.timeoutMs);
  }
}

/** The job's part of an entry's recorded service spec, if it has one. */
export function jobSpec(entry: LedgerEntry, job: string): unknown {
  const jobs = (entry.spec as { jobs?: Record<string, unknown> } | null)?.jobs;
  return jobs && Object.hasOwn(jobs, job) ? jobs[job] : undefined;
}

const TS = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) ?(.*)$/;

/** `docker logs --timestamps` prints each stream separately; order them back by time. */
export function mergeStreams(stdout: string, stderr: string): LogLine[] {
  const parse = (text: string, stream: LogLine['stream']): LogLine[] =>
    text
      .split('\n')
      .filter((l, i, all) => l !== '' || i < all.length - 1)
      .map((l) => {
        const m = TS.exec(l);
        return m ? { time: m[1]!, stream, text: m[2]! } : { time: null, stream, text: l };
      });
  const all = [...parse(stdout, 'stdout'), ...parse(stderr, 'stderr')];
  // A stable sort keeps each stream's own order for equal or missing times.
  return all
    .map((l, i) => ({ l, i, key: l.time ? sortKey(l.time) : null }))
    .sort((a, b) => (a.key && b.key && a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.i - b.i))
    .map((x) => x.l);
}

/** RFC3339Nano drops trailing zeros of the fraction: pad it so strings compare as times. */
function sortKey(time: string): string {
  const m = /^([^.Z]+)(?:\.(\d+))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : time;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
