import { z } from 'zod';
import type { HealthcheckSpec, HostSpec, TaskSpec } from '../inventory/model.js';
import { dockerPrefix } from './docker.js';
import { LABEL } from './labels.js';

export type ContainerState = 'running' | 'exited' | 'restarting' | 'created' | 'paused' | 'dead';
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One deploy container as read back from a target (SPEC §2 labels + docker state). */
export interface ObservedContainer {
  id: string;
  /** Without docker's leading `/`. */
  name: string;
  service: string;
  job: string;
  task: string;
  host: string;
  inventory: string;
  hash: string;
  version: string;
  /** From `deploy.spec`; undefined when the label is missing or unreadable. */
  spec?: TaskSpec;
  /** Secret name → hash, from `deploy.spec`. */
  secretHashes?: Record<string, string>;
  /** `Config.Image`: the reference the container was created from. */
  image: string;
  imageId: string;
  state: ContainerState;
  health: ContainerHealth;
  /** RFC 3339; undefined when never started / never finished. */
  startedAt?: string;
  finishedAt?: string;
  restartCount: number;
  exitCode: number;
  labels: Record<string, string>;
  /** Outputs of the last health probes, oldest first. */
  healthLog?: string[];
  /**
   * The check in effect (`Config.Healthcheck`: the job's, else the image's), with docker's
   * defaults for unset timings; undefined when there is none or it is disabled.
   */
  healthcheck?: HealthcheckSpec;
  /**
   * Set by the light read (`parseListed`): no start time, restart count or health log was
   * read; `uptimeMs` is docker's own rounded uptime ("Up 5 minutes") instead.
   */
  light?: true;
  uptimeMs?: number;
  /** Networks the container is attached to (absent in hand-made fixtures). */
  networks?: string[];
}

/*
 * One round trip reads every deploy container on the engine. The script is a constant;
 * the docker command (`[sudo -n] docker`) comes in as "$@". A container removed between
 * `ps` and `inspect` makes inspect fail, so the pair is retried a few times before the
 * real error is let through. Nothing from the output is ever executed: ids are only
 * word-split (globbing off) into inspect's arguments.
 */
export const OBSERVE_SCRIPT = [
  'set -f',
  'n=0',
  'while :; do',
  '  ids=$("$@" ps -aq --no-trunc --filter label=deploy.service) || exit',
  '  if [ -z "$ids" ]; then echo \'[]\'; exit 0; fi',
  '  if out=$("$@" inspect --type container $ids 2>/dev/null); then printf \'%s\\n\' "$out"; exit 0; fi',
  '  n=$((n+1))',
  '  if [ "$n" -ge 3 ]; then "$@" inspect --type container $ids; exit; fi',
  'done',
].join('\n');

/**
 * @example observeArgv({ docker: 'docker', sudo: false }) // ['sh', '-c', OBSERVE_SCRIPT, 'sh', 'docker']
 */
export function observeArgv(host: Pick<HostSpec, 'docker' | 'sudo'>): string[] {
  return ['sh', '-c', OBSERVE_SCRIPT, 'sh', ...dockerPrefix(host)];
}

/*
 * The lighter read for deploys: one `docker ps` (one docker CLI process instead of `ps` +
 * `inspect`, which is most of a read's cost on a busy host). It carries what planning
 * needs: identity and spec labels, state, health and exit code (from docker's status
 * text), networks. Not the start time, restart count or health log: `status` and the
 * health wait use the full read for those.
 */
const LIST_FORMAT = `{${[
  '"Id":{{json .ID}}',
  '"Names":{{json .Names}}',
  '"State":{{json .State}}',
  '"Status":{{json .Status}}',
  '"Image":{{json .Image}}',
  '"Networks":{{json .Networks}}',
  `"Labels":{${Object.values(LABEL)
    .map((l) => `${JSON.stringify(l)}:{{json (.Label ${JSON.stringify(l)})}}`)
    .join(',')}}`,
].join(',')}}`;

/** @example listArgv() // ['docker', 'ps', '-a', '--no-trunc', '--filter', 'label=deploy.service', '--format', LIST_FORMAT] */
export function listArgv(): string[] {
  return [
    'docker',
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    'label=deploy.service',
    '--format',
    LIST_FORMAT,
  ];
}

/** Parses `listArgv` output (one JSON object per line) into the same shape as `parseObserved`. */
export function parseListed(stdout: string): ObservedContainer[] {
  const out: ObservedContainer[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const raw = obj(JSON.parse(line));
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(raw.Labels)))
      if (typeof v === 'string' && v) labels[k] = v;
    const status = text(raw.Status);
    const exited = /^Exited \((\d+)\)/.exec(status);
    const networks = text(raw.Networks);
    const inspectLike: Json = {
      Id: raw.Id,
      // ps shows every name of a container (links add more); the first is its own.
      Name: text(raw.Names).split(',')[0],
      Image: '',
      Config: { Labels: labels, Image: text(raw.Image) },
      State: {
        Status: raw.State,
        ExitCode: exited ? Number(exited[1]) : 0,
        Health: { Status: healthFromStatus(status) },
      },
      NetworkSettings: {
        Networks: Object.fromEntries(networks ? networks.split(',').map((n) => [n, {}]) : []),
      },
    };
    const c = observedFrom(inspectLike);
    if (!c) continue;
    // ps shows an image id instead of the reference once the tag moved on: the spec knows.
    if (c.spec) c.image = c.spec.image;
    c.light = true;
    const up = c.state === 'running' ? uptimeFromStatus(status) : undefined;
    if (up !== undefined) c.uptimeMs = up;
    out.push(c);
  }
  return out;
}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000,
  year: 31_536_000_000,
};

/**
 * docker's rounded uptime back in ms (go-units HumanDuration): "Up 5 minutes (healthy)" is
 * 300000, "Up About an hour" 3600000, "Up Less than a second" 0; undefined if not "Up …".
 */
export function uptimeFromStatus(status: string): number | undefined {
  const m = /^Up (.+?)(?: \(.*\))?$/.exec(status.trim());
  if (!m) return undefined;
  const text = m[1]!;
  if (/^Less than a second$/i.test(text)) return 0;
  const about = /^About an? (\w+)$/i.exec(text);
  if (about) return UNIT_MS[about[1]!.toLowerCase()];
  const n = /^(\d+) (\w+?)s?$/.exec(text);
  const unit = n ? UNIT_MS[n[2]!.toLowerCase()] : undefined;
  return n && unit !== undefined ? Number(n[1]) * unit : undefined;
}

// docker's status text: "Up 3 minutes (healthy)", "Up 2 seconds (health: starting)".
function healthFromStatus(status: string): string {
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(health: starting)')) return 'starting';
  return '';
}

const STATES = new Set<ContainerState>([
  'running',
  'exited',
  'restarting',
  'created',
  'paused',
  'dead',
]);
const HEALTH = new Set<ContainerHealth>(['healthy', 'unhealthy', 'starting']);
const HEALTH_LOG_KEEP = 5;

const str = z.string();
const strMap = z.record(z.string(), z.string());
const healthSpec = z.object({
  test: z.array(str),
  intervalMs: z.number(),
  timeoutMs: z.number(),
  retries: z.number(),
  startPeriodMs: z.number(),
});
const specSchema = z.object({
  image: str,
  command: z.array(str).optional(),
  env: strMap.default({}),
  secrets: z.array(str).default([]),
  ports: z.array(str).default([]),
  volumes: z.array(str).default([]),
  labels: strMap.default({}),
  restart: str.default('unless-stopped'),
  cpus: z.number().optional(),
  memoryBytes: z.number().optional(),
  healthcheck: z.union([healthSpec, z.literal('none')]).optional(),
  network: str.optional(),
  secretHashes: strMap.default({}),
});

/** Reads a `deploy.spec` label; garbage (hand-made containers, older versions) gives undefined. */
export function parseSpecLabel(
  text: string | undefined,
): { spec: TaskSpec; secretHashes: Record<string, string> } | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = specSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { secretHashes, ...rest } = parsed.data;
  const spec: TaskSpec = {
    image: rest.image,
    env: rest.env,
    secrets: rest.secrets,
    ports: rest.ports,
    volumes: rest.volumes,
    labels: rest.labels,
    restart: rest.restart,
  };
  if (rest.command !== undefined) spec.command = rest.command;
  if (rest.cpus !== undefined) spec.cpus = rest.cpus;
  if (rest.memoryBytes !== undefined) spec.memoryBytes = rest.memoryBytes;
  if (rest.healthcheck !== undefined) spec.healthcheck = rest.healthcheck;
  if (rest.network !== undefined) spec.network = rest.network;
  return { spec, secretHashes };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
// Docker reports "never" as Go's zero time.
const time = (v: unknown): string | undefined => {
  const t = text(v);
  return t === '' || t.startsWith('0001-01-01') ? undefined : t;
};

/**
 * Parses the output of `observeArgv` (a `docker inspect` array). Entries without the
 * identity labels are skipped; unknown fields are ignored; malformed JSON throws.
 */
export function parseObserved(stdout: string): ObservedContainer[] {
  const trimmed = stdout.trim();
  if (trimmed === '') return [];
  const data: unknown = JSON.parse(trimmed);
  if (!Array.isArray(data)) throw new Error('docker inspect did not print an array');
  const out: ObservedContainer[] = [];
  for (const raw of data) {
    const c = observedFrom(obj(raw));
    if (c) out.push(c);
  }
  return out;
}

function observedFrom(raw: Json): ObservedContainer | undefined {
  const config = obj(raw.Config);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(config.Labels))) if (typeof v === 'string') labels[k] = v;
  const service = labels[LABEL.service];
  if (!service) return undefined;
  const state = obj(raw.State);
  const status = text(state.Status);
  const health = obj(state.Health);
  const healthStatus = text(health.Status) as ContainerHealth;
  const log = Array.isArray(health.Log) ? health.Log : [];
  const c: ObservedContainer = {
    id: text(raw.Id),
    name: text(raw.Name).replace(/^\//, ''),
    service,
    job: labels[LABEL.job] ?? '',
    task: labels[LABEL.task] ?? '',
    host: labels[LABEL.host] ?? '',
    inventory: labels[LABEL.inventory] ?? '',
    hash: labels[LABEL.hash] ?? '',
    version: labels[LABEL.version] ?? '',
    image: text(config.Image),
    imageId: text(raw.Image),
    // `removing` is on its way out: as good as dead for planning.
    state: STATES.has(status as ContainerState) ? (status as ContainerState) : 'dead',
    health: HEALTH.has(healthStatus) ? healthStatus : 'none',
    restartCount: num(raw.RestartCount),
    exitCode: num(state.ExitCode),
    labels,
    networks: Object.keys(obj(obj(raw.NetworkSettings).Networks)),
  };
  const started = time(state.StartedAt);
  if (started) c.startedAt = started;
  const finished = time(state.FinishedAt);
  if (finished) c.finishedAt = finished;
  const parsed = parseSpecLabel(labels[LABEL.spec]);
  if (parsed) {
    c.spec = parsed.spec;
    c.secretHashes = parsed.secretHashes;
  }
  const check = healthcheckFrom(obj(config.Healthcheck));
  if (check) c.healthcheck = check;
  if (log.length > 0) c.healthLog = log.slice(-HEALTH_LOG_KEEP).map((e) => text(obj(e).Output));
  return c;
}

// Docker stores durations in nanoseconds; 0 means its defaults (30s, 30s, 0s, 3 retries).
function healthcheckFrom(raw: Json): HealthcheckSpec | undefined {
  const test = Array.isArray(raw.Test)
    ? raw.Test.filter((t): t is string => typeof t === 'string')
    : [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  const ms = (v: unknown, dflt: number): number => (num(v) > 0 ? Math.round(num(v) / 1e6) : dflt);
  return {
    test,
    intervalMs: ms(raw.Interval, 30_000),
    timeoutMs: ms(raw.Timeout, 30_000),
    retries: num(raw.Retries) > 0 ? num(raw.Retries) : 3,
    startPeriodMs: ms(raw.StartPeriod, 0),
  };
}
