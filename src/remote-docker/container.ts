import type { ResolvedTask } from '../inventory/model.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { DEPLOY_NETWORK } from './docker.js';
import { healthFlags } from './health.js';
import { LABEL } from './labels.js';

export interface CreateOptions {
  /** Inventory name, for `deploy.inventory`. */
  inventory: string;
  /** Ledger entry id, for `deploy.version`. */
  version: string;
  /** Container name; default the task's `<service>-<job>-<task>`. */
  name?: string;
  /** `--pull` policy; omitted: docker's default (pull when missing, with the default config). */
  pull?: 'missing' | 'never' | 'always';
}

/** The `deploy.spec` label: the task's spec with secret hashes (never values). */
export function specLabel(task: ResolvedTask): string {
  return canonicalJson({ ...task.spec, secretHashes: task.secretHashes });
}

const byKey = (a: [string, string], b: [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * `docker create` for one task. Secrets are never in argv: when the task has any, the
 * command reads them as an env file from stdin (`envFileContent`), which the docker CLI
 * reads client-side, so nothing is written on the target.
 *
 * @example shellJoin(createArgv(task, { inventory: 'production', version: '01J…' }))
 * // docker create --name coding-web-web-1 --label deploy.service=coding … registry/coding/web:1.0.0 /app/web
 */
export function createArgv(task: ResolvedTask, opts: CreateOptions): string[] {
  const s = task.spec;
  const argv = ['docker', 'create', '--name', opts.name ?? task.container];
  if (opts.pull) argv.push('--pull', opts.pull);
  const identity: [string, string][] = [
    [LABEL.service, task.service],
    [LABEL.job, task.job],
    [LABEL.task, task.task],
    [LABEL.host, task.host],
    [LABEL.inventory, opts.inventory],
    [LABEL.hash, task.hash],
    [LABEL.version, opts.version],
    [LABEL.spec, specLabel(task)],
  ];
  const user = Object.entries(s.labels)
    .filter(([k]) => !k.startsWith('deploy.'))
    .sort(byKey);
  for (const [k, v] of [...identity, ...user]) argv.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(s.env).sort(byKey)) argv.push('-e', `${k}=${v}`);
  if (s.secrets.length > 0) argv.push('--env-file', '/dev/stdin');
  for (const p of s.ports) argv.push('-p', p);
  for (const v of s.volumes) argv.push('-v', v);
  argv.push('--restart', s.restart);
  if (s.cpus !== undefined) argv.push('--cpus', String(s.cpus));
  if (s.memoryBytes !== undefined) argv.push('--memory', String(s.memoryBytes));
  argv.push(...healthFlags(s.healthcheck));
  const network = s.network ?? DEPLOY_NETWORK;
  argv.push('--network', network);
  if (network !== 'host' && network !== 'none')
    argv.push('--network-alias', `${task.job}.${task.service}`);
  argv.push(s.image);
  if (s.command) argv.push(...s.command);
  return argv;
}

/**
 * `docker run -d`: `createArgv` and a start in one docker process (each docker CLI process
 * costs a busy host ~30 ms of CPU). Prints the new container's id.
 */
export function runArgv(task: ResolvedTask, opts: CreateOptions): string[] {
  const [docker, , ...rest] = createArgv(task, opts);
  return [docker!, 'run', '--detach', ...rest];
}

/** @example startArgv('coding-web-web-1') // ['docker', 'start', 'coding-web-web-1'] */
export function startArgv(name: string): string[] {
  return ['docker', 'start', name];
}

/** `-t` is spelled the same by the 20.10 and 28.x clients (`--time` vs `--timeout`). */
export function stopArgv(name: string, timeoutSecs?: number): string[] {
  return timeoutSecs === undefined
    ? ['docker', 'stop', name]
    : ['docker', 'stop', '-t', String(Math.max(0, Math.round(timeoutSecs))), name];
}

export function renameArgv(from: string, to: string): string[] {
  return ['docker', 'rename', from, to];
}

/** Never `-v`: replace and `down` keep volumes (SPEC §7.8). */
export function removeArgv(name: string | string[], opts: { force?: boolean } = {}): string[] {
  const names = typeof name === 'string' ? [name] : name;
  return opts.force ? ['docker', 'rm', '-f', ...names] : ['docker', 'rm', ...names];
}

export interface LogsOptions {
  tail?: number | 'all';
  /** Anything `docker logs --since` takes: RFC 3339 time, or a Go duration like `10m`. */
  since?: string;
  follow?: boolean;
  timestamps?: boolean;
}

export function logsArgv(name: string, opts: LogsOptions = {}): string[] {
  const argv = ['docker', 'logs'];
  if (opts.tail !== undefined) argv.push('--tail', String(opts.tail));
  if (opts.since !== undefined) argv.push('--since', opts.since);
  if (opts.follow) argv.push('--follow');
  if (opts.timestamps) argv.push('--timestamps');
  argv.push(name);
  return argv;
}

export function inspectArgv(names: readonly string[]): string[] {
  return ['docker', 'inspect', '--type', 'container', ...names];
}

/** Exit 0 when the image is present locally (no pull, no registry contact). */
export function imagePresentArgv(image: string): string[] {
  return ['docker', 'image', 'inspect', '--format', '{{.Id}}', image];
}
