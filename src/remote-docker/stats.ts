import type { HostSpec } from '../inventory/model.js';
import { dockerPrefix } from './docker.js';

/** Starts every section of STATS_SCRIPT's output: `@@deploy-stats <section>`. */
export const STATS_MARKER = '@@deploy-stats';

/*
 * One round trip per host for `deploy stats`. Plain POSIX sh and tools busybox has too;
 * the docker command (`[sudo -n] docker`) comes in as "$@". docker's exit status is kept
 * and returned last, so a refused docker still yields the /proc sections and the caller
 * can classify docker's stderr. `df -Pk` pins 1024-byte blocks (POSIX leaves -P alone at 512).
 */
export const STATS_SCRIPT = [
  'set -f',
  `m=${STATS_MARKER}`,
  'echo "$m cpus"',
  'nproc 2>/dev/null || grep -c "^processor" /proc/cpuinfo',
  'echo "$m loadavg"',
  'cat /proc/loadavg',
  'echo "$m meminfo"',
  'cat /proc/meminfo',
  'echo "$m df"',
  'df -Pk 2>/dev/null',
  'echo "$m docker-info"',
  'rc=0',
  '"$@" info --format "{{json .}}" || rc=$?',
  'echo "$m docker-stats"',
  'if [ "$rc" -eq 0 ]; then "$@" stats --no-stream --format "{{json .}}" || rc=$?; fi',
  'echo "$m end"',
  'exit "$rc"',
].join('\n');

/**
 * @example statsArgv({ docker: 'docker', sudo: false }) // ['sh', '-c', STATS_SCRIPT, 'sh', 'docker']
 */
export function statsArgv(host: Pick<HostSpec, 'docker' | 'sudo'>): string[] {
  return ['sh', '-c', STATS_SCRIPT, 'sh', ...dockerPrefix(host)];
}

export interface DiskStats {
  mount: string;
  /** Bytes. */
  size: number;
  used: number;
}

export interface ContainerStats {
  name: string;
  cpu_percent: number;
  /** Bytes. */
  mem_used: number;
}

/** A compact digest of `docker info`; null fields were absent from its output. */
export interface DockerInfo {
  server_version: string | null;
  containers: number | null;
  running: number | null;
  paused: number | null;
  stopped: number | null;
  images: number | null;
  storage_driver: string | null;
  logging_driver: string | null;
  cgroup_driver: string | null;
  operating_system: string | null;
  kernel_version: string | null;
  root_dir: string | null;
  ncpu: number | null;
  mem_total: number | null;
}

/** SPEC §3's per-host stats, without the host's name. Sizes in bytes. */
export interface HostStats {
  cpus: number;
  load1: number;
  load5: number;
  load15: number;
  mem_total: number;
  mem_used: number;
  disks: DiskStats[];
  /** null when docker info could not be read. */
  docker: DockerInfo | null;
  containers: ContainerStats[];
}

/** Splits the script's output into its sections (marker lines removed). */
export function statsSections(stdout: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${STATS_MARKER} `)) {
      current = [];
      sections.set(line.slice(STATS_MARKER.length + 1).trim(), current);
    } else if (current) {
      current.push(line);
    }
  }
  return sections;
}

/**
 * Parses STATS_SCRIPT's output. Missing or garbled /proc sections give 0 (busybox and
 * odd kernels differ); the script's truncated output (no `end` marker) throws.
 */
export function parseStats(stdout: string): HostStats {
  const s = statsSections(stdout);
  if (!s.has('end')) throw new Error('stats script output is incomplete');
  const lines = (name: string): string[] => (s.get(name) ?? []).filter((l) => l.trim() !== '');
  const cpus = Number.parseInt(lines('cpus')[0] ?? '', 10);
  const load = (lines('loadavg')[0] ?? '').trim().split(/\s+/).map(Number);
  const mem = parseMeminfo(lines('meminfo'));
  return {
    cpus: Number.isFinite(cpus) ? cpus : 0,
    load1: finite(load[0]),
    load5: finite(load[1]),
    load15: finite(load[2]),
    mem_total: mem.total,
    mem_used: mem.used,
    disks: parseDf(lines('df')),
    docker: parseDockerInfo(lines('docker-info')),
    containers: lines('docker-stats').flatMap((l) => {
      const c = parseContainerStats(l);
      return c ? [c] : [];
    }),
  };
}

function finite(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) ? n : 0;
}

/** /proc/meminfo in bytes; used = MemTotal − MemAvailable (older kernels: Free+Buffers+Cached). */
export function parseMeminfo(lines: readonly string[]): { total: number; used: number } {
  const kb = new Map<string, number>();
  for (const line of lines) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = (kb.get('MemTotal') ?? 0) * 1024;
  const availableKb =
    kb.get('MemAvailable') ??
    (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { total, used: Math.max(0, total - availableKb * 1024) };
}

/**
 * `df -Pk` rows of real block devices (device path starting with `/`), one per device
 * (its shortest mount point wins: bind mounts and docker's overlays repeat the root disk).
 */
export function parseDf(lines: readonly string[]): DiskStats[] {
  const header = lines[0] ?? '';
  const unit = /(\d+)-blocks/.exec(header)?.[1];
  const blockSize = unit ? Number(unit) : 1024;
  const byDevice = new Map<string, DiskStats>();
  for (const line of lines.slice(1)) {
    // The mount point is the rest of the line: it may hold spaces.
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+(.+)$/.exec(line);
    if (!m) continue;
    const [, device, size, used, , mount] = m;
    if (!device!.startsWith('/') && mount !== '/') continue;
    const disk = { mount: mount!, size: Number(size) * blockSize, used: Number(used) * blockSize };
    const seen = byDevice.get(device!);
    if (!seen || disk.mount.length < seen.mount.length) byDevice.set(device!, disk);
  }
  return [...byDevice.values()].sort((a, b) => a.mount.localeCompare(b.mount));
}

export function parseDockerInfo(lines: readonly string[]): DockerInfo | null {
  const text = lines.find((l) => l.trimStart().startsWith('{'));
  if (text === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const str = (k: string): string | null =>
    typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : null;
  const num = (k: string): number | null =>
    typeof r[k] === 'number' && Number.isFinite(r[k]) ? (r[k] as number) : null;
  return {
    server_version: str('ServerVersion'),
    containers: num('Containers'),
    running: num('ContainersRunning'),
    paused: num('ContainersPaused'),
    stopped: num('ContainersStopped'),
    images: num('Images'),
    storage_driver: str('Driver'),
    logging_driver: str('LoggingDriver'),
    cgroup_driver: str('CgroupDriver'),
    operating_system: str('OperatingSystem'),
    kernel_version: str('KernelVersion'),
    root_dir: str('DockerRootDir'),
    ncpu: num('NCPU'),
    mem_total: num('MemTotal'),
  };
}

/** One `docker stats --format '{{json .}}'` line; undefined for anything else. */
export function parseContainerStats(line: string): ContainerStats | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const name =
    typeof r.Name === 'string' ? r.Name : typeof r.Container === 'string' ? r.Container : undefined;
  if (name === undefined) return undefined;
  const cpu = Number.parseFloat(String(r.CPUPerc ?? '').replace('%', ''));
  const used = String(r.MemUsage ?? '').split('/')[0] ?? '';
  return {
    name,
    cpu_percent: Number.isFinite(cpu) ? cpu : 0,
    mem_used: parseDockerSize(used) ?? 0,
  };
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** docker's human sizes (`1.652MiB`, `796B`, `1.38kB`) in bytes; undefined when unreadable. */
export function parseDockerSize(text: string): number | undefined {
  const m = /^\s*([\d.]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const factor = UNITS[(m[2] || 'b').toLowerCase()];
  const value = Number(m[1]);
  if (factor === undefined || !Number.isFinite(value)) return undefined;
  return Math.round(value * factor);
}
