/**
 * Host resource figures for the hosts page, read in one round trip per host. A stand-in
 * until src/tasks/stats.ts lands (the `stats` command's module); the shape follows SPEC §3's
 * `stats` JSON so swapping it is a one-line change in dashboard-data.ts. The script is a
 * constant; the docker command comes in as "$@" and nothing read back is executed.
 */
import type { HostSpec } from '../inventory/model.js';
import { dockerPrefix } from '../remote-docker/index.js';

export interface HostStats {
  host: string;
  cpus: number | null;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  mem_total: number | null;
  mem_used: number | null;
  disks: { mount: string; size: number; used: number }[];
  containers: { name: string; cpu_percent: number | null; mem_used: number | null }[];
}

export const STATS_SCRIPT = [
  'set -f',
  'h=$1; shift',
  "echo '@@cpus'; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN",
  "echo '@@loadavg'; cat /proc/loadavg",
  "echo '@@meminfo'; cat /proc/meminfo",
  "echo '@@df'; df -kP 2>/dev/null",
  "echo '@@containers'",
  'ids=$("$@" ps -q --filter label=deploy.service --filter "label=deploy.host=$h") || exit',
  'if [ -n "$ids" ]; then "$@" stats --no-stream --format \'{{json .}}\' $ids; fi',
].join('\n');

export function statsArgv(host: Pick<HostSpec, 'name' | 'docker' | 'sudo'>): string[] {
  return ['sh', '-c', STATS_SCRIPT, 'sh', host.name, ...dockerPrefix(host)];
}

const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'overlay', 'shm', 'udev', 'none', 'proc', 'sysfs', 'cgroup', 'cgroup2']);
const PSEUDO_MOUNT = /^\/(run|dev|sys|proc|var\/lib\/docker)(\/|$)/;

export function parseStats(host: string, stdout: string): HostStats {
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of stdout.split('\n')) {
    const m = /^@@(\w+)$/.exec(line);
    if (m) {
      current = m[1]!;
      sections.set(current, []);
    } else if (current) sections.get(current)!.push(line);
  }
  const get = (k: string) => sections.get(k) ?? [];
  const cpus = num(get('cpus')[0]);
  const load = (get('loadavg')[0] ?? '').trim().split(/\s+/);
  const mem = new Map<string, number>();
  for (const line of get('meminfo')) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m) mem.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = mem.get('MemTotal') ?? null;
  const available = mem.get('MemAvailable') ?? null;
  const disks: HostStats['disks'] = [];
  for (const line of get('df').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const mount = f.slice(5).join(' ');
    const size = Number(f[1]) * 1024;
    if (PSEUDO_FS.has(f[0]!) || PSEUDO_MOUNT.test(mount) || !(size > 0)) continue;
    if (disks.some((d) => d.mount === mount)) continue;
    disks.push({ mount, size, used: Number(f[2]) * 1024 });
  }
  const containers: HostStats['containers'] = [];
  for (const line of get('containers')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { Name?: string; CPUPerc?: string; MemUsage?: string };
      containers.push({
        name: String(j.Name ?? ''),
        cpu_percent: num((j.CPUPerc ?? '').replace('%', '')),
        mem_used: parseSize((j.MemUsage ?? '').split('/')[0] ?? ''),
      });
    } catch {
      // A line docker garbled is left out rather than failing the host.
    }
  }
  return {
    host,
    cpus,
    load1: num(load[0]),
    load5: num(load[1]),
    load15: num(load[2]),
    mem_total: total,
    mem_used: total !== null && available !== null ? total - available : null,
    disks,
    containers: containers.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function num(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** docker's human sizes (`1.5MiB`, `12kB`) to bytes. */
export function parseSize(text: string): number | null {
  const m = /^\s*([\d.]+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}
