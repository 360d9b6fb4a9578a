/**
 * Loads one `jobs/<service>.yml` against one inventory: parse, interpolate, validate, apply
 * job defaults, merge task overrides and expand placements into tasks (not yet hashed).
 */
import { basename } from 'node:path';
import type { ConfigIssue } from '../shared/errors.js';
import type { HealthcheckSpec, Inventory, TaskSpec, UpdatePolicy } from './model.js';
import { interpolateDocument } from './interpolate.js';
import { didYouMean, nameProblem } from './names.js';
import { findCycle } from './order.js';
import { parsePort } from './normalize.js';
import {
  ServiceSchema,
  type HealthcheckInput,
  type JobInput,
  type ServiceInput,
} from './schema.js';
import { issueAt, parseSource, type PathSeg, type SourceFile } from './source.js';
import { withoutEchoes, zodIssues } from './zod-issues.js';
import { wantsNumberOrBoolean } from './schema-walk.js';
import { controlCharacterIssues } from './field-checks.js';
import { isRecord } from './inventory-file.js';

export interface TaskDraft {
  task: string;
  host: string;
  spec: TaskSpec;
  /** Where the task is defined: its `tasks.<name>` entry, or the job's `placement`. */
  at: PathSeg[];
}

export interface JobDraft {
  job: string;
  update: UpdatePolicy;
  dependsOn: string[];
  tasks: TaskDraft[];
}

export interface ServiceDraft {
  service: string;
  file: string;
  source: SourceFile;
  dependsOn: string[];
  jobs: JobDraft[];
}

/** Secret names listed anywhere in a file, read before interpolation (they are plain names). */
export function rawJobSecretNames(text: string): string[] {
  const { source, issues } = parseSource('', '', text);
  if (issues.length) return [];
  const raw: unknown = source.doc.toJS();
  const out: string[] = [];
  const take = (v: unknown): void => {
    if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') out.push(s);
  };
  if (isRecord(raw) && isRecord(raw.jobs)) {
    for (const job of Object.values(raw.jobs)) {
      if (!isRecord(job)) continue;
      take(job.secrets);
      if (isRecord(job.tasks))
        for (const t of Object.values(job.tasks)) if (isRecord(t)) take(t.secrets);
    }
  }
  return out;
}

export interface ServiceScope {
  env: NodeJS.ProcessEnv;
  vars: Record<string, string>;
  secretNames: Set<string>;
  inventoryName: string;
  /** Undefined when the inventory itself is invalid: host rules are skipped. */
  inventory?: Inventory;
}

export function loadServiceFile(
  abs: string,
  rel: string,
  text: string,
  scope: ServiceScope,
): { service?: ServiceDraft; issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const { source, issues } = parseSource(abs, rel, text);
  const warnings: ConfigIssue[] = [];
  if (issues.length) return { issues, warnings };
  issues.push(
    ...interpolateDocument(source, {
      ...scope,
      wantsScalar: (path) => wantsNumberOrBoolean(ServiceSchema, path),
    }),
  );
  issues.push(...controlCharacterIssues(source));
  const parsed = ServiceSchema.safeParse(source.doc.toJS() ?? {});
  if (!parsed.success) {
    issues.push(...withoutEchoes(zodIssues(source, ServiceSchema, parsed.error.issues), issues));
    return { issues, warnings };
  }
  const data = parsed.data;
  const expected = basename(abs).replace(/\.ya?ml$/, '');
  if (data.service !== expected) {
    issues.push(
      issueAt(
        source,
        ['service'],
        `service "${data.service}" must be named after its file (jobs/${expected}.yml)`,
      ),
    );
  }
  const problem = nameProblem(data.service);
  if (problem) issues.push(issueAt(source, ['service'], problem));
  const jobs: JobDraft[] = [];
  for (const [job, spec] of Object.entries(data.jobs)) {
    const draft = jobDraft(source, data, job, spec, scope, issues, warnings);
    if (draft) jobs.push(draft);
  }
  if (Object.keys(data.jobs).length === 0)
    issues.push(issueAt(source, ['jobs'], 'a service needs at least one job'));
  const cycle = findCycle(
    Object.entries(data.jobs).map(([name, j]) => ({ name, dependsOn: j.depends_on ?? [] })),
  );
  if (cycle)
    issues.push(
      issueAt(
        source,
        ['jobs', cycle[0]!, 'depends_on'],
        `dependency cycle between jobs: ${cycle.join(' -> ')}`,
      ),
    );
  if (issues.length) return { issues, warnings };
  return {
    service: { service: data.service, file: abs, source, dependsOn: data.depends_on ?? [], jobs },
    issues,
    warnings,
  };
}

interface Placement {
  task: string;
  host: string;
  overrides: Record<string, unknown>;
  at: PathSeg[];
}

/** One job: its own rules, its update policy, and a draft per task. Undefined on any error. */
function jobDraft(
  source: SourceFile,
  service: ServiceInput,
  job: string,
  spec: JobInput,
  scope: ServiceScope,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): JobDraft | undefined {
  const before = issues.length;
  jobRules(source, service, job, spec, issues, warnings);
  const update = updatePolicy(spec);
  const tasks: TaskDraft[] = [];
  for (const p of placements(source, job, spec, scope, issues)) {
    const draft = taskDraft(source, job, spec, p, issues);
    if (draft) tasks.push(draft);
  }
  if (update.order === 'start-first') startFirstRule(source, job, tasks, issues);
  if (issues.length > before) return undefined;
  return { job, update, dependsOn: spec.depends_on ?? [], tasks };
}

/** Rules of the job itself: its name, dependencies, image tag, label keys and env names. */
function jobRules(
  source: SourceFile,
  service: ServiceInput,
  job: string,
  spec: JobInput,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): void {
  const at = (...p: PathSeg[]): PathSeg[] => ['jobs', job, ...p];
  const problem = nameProblem(job);
  if (problem) issues.push(issueAt(source, at(), problem, { key: true }));
  (spec.depends_on ?? []).forEach((d, i) => {
    if (!service.jobs[d])
      issues.push(
        issueAt(
          source,
          at('depends_on', i),
          `unknown job "${d}" in service ${service.service}${didYouMean(d, Object.keys(service.jobs))}`,
        ),
      );
    else if (d === job)
      issues.push(issueAt(source, at('depends_on', i), `job "${job}" cannot depend on itself`));
  });
  const tag = imageTag(spec.image);
  if (tag === undefined || tag === 'latest') {
    warnings.push(
      issueAt(
        source,
        at('image'),
        `image "${spec.image}" has ${tag ? 'the tag latest' : 'no tag'}: a tag is never re-resolved, pin a version`,
        { severity: 'warning' },
      ),
    );
  }
  keyRules(KEY_RULES.labels, source, at('labels'), spec.labels, issues);
  keyRules(KEY_RULES.env, source, at('env'), spec.env, issues);
}

function updatePolicy(spec: JobInput): UpdatePolicy {
  return {
    parallelism: spec.update?.parallelism ?? 1,
    order: spec.update?.order ?? 'stop-first',
    delayMs: spec.update?.delay ?? 0,
    monitorMs: spec.update?.monitor ?? 5000,
    failureAction: spec.update?.failure_action ?? 'rollback',
  };
}

/** Where the job's tasks go: its `tasks` (with their overrides) or its `placement`. */
function placements(
  source: SourceFile,
  job: string,
  spec: JobInput,
  scope: ServiceScope,
  issues: ConfigIssue[],
): Placement[] {
  const at = (...p: PathSeg[]): PathSeg[] => ['jobs', job, ...p];
  if (spec.tasks && spec.placement) {
    issues.push(
      issueAt(source, at('placement'), 'a job has either tasks or placement, not both', {
        key: true,
      }),
    );
    return [];
  }
  if (!spec.tasks && !spec.placement) {
    issues.push(issueAt(source, at(), 'a job needs tasks or placement', { key: true }));
    return [];
  }
  if (spec.placement) {
    if (!scope.inventory) return [];
    return placementHosts(source, at('placement'), spec.placement, scope, issues).map((host) => ({
      task: host,
      host,
      overrides: {},
      at: at('placement'),
    }));
  }
  const tasks = spec.tasks!;
  const hosts = Object.keys(scope.inventory?.hosts ?? {});
  if (Object.keys(tasks).length === 0)
    issues.push(issueAt(source, at('tasks'), 'tasks must name at least one task'));
  const out: Placement[] = [];
  for (const [task, t] of Object.entries(tasks)) {
    const p = nameProblem(task);
    if (p) issues.push(issueAt(source, at('tasks', task), p, { key: true }));
    if (scope.inventory && !scope.inventory.hosts[t.host]) {
      issues.push(
        issueAt(
          source,
          at('tasks', task, 'host'),
          `unknown host "${t.host}" in inventory ${scope.inventoryName}${didYouMean(t.host, hosts)}`,
        ),
      );
    }
    keyRules(KEY_RULES.labels, source, at('tasks', task, 'labels'), t.labels, issues);
    keyRules(KEY_RULES.env, source, at('tasks', task, 'env'), t.env, issues);
    const { host, ...overrides } = t;
    out.push({ task, host, overrides, at: at('tasks', task) });
  }
  return out;
}

/** The job's spec with one task's overrides applied, normalised for `docker create`. */
function taskDraft(
  source: SourceFile,
  job: string,
  spec: JobInput,
  p: Placement,
  issues: ConfigIssue[],
): TaskDraft | undefined {
  const at = (...path: PathSeg[]): PathSeg[] => ['jobs', job, ...path];
  const merged = mergeOverrides(spec, p.overrides);
  const hc = healthcheck(merged.healthcheck);
  if (hc === null) {
    const where = p.overrides.healthcheck ? [...p.at, 'healthcheck'] : at('healthcheck');
    issues.push(issueAt(source, where, 'healthcheck needs cmd (or use "healthcheck: none")'));
    return undefined;
  }
  const clash = (merged.secrets ?? []).find((name) => merged.env?.[name] !== undefined);
  if (clash) {
    const where =
      p.overrides.env || p.overrides.secrets ? [...p.at, 'env', clash] : at('env', clash);
    issues.push(
      issueAt(source, where, `"${clash}" is both a plain env variable and a secret`, {
        key: true,
      }),
    );
    return undefined;
  }
  const taskSpec: TaskSpec = {
    image: spec.image,
    ...(merged.command ? { command: merged.command } : {}),
    env: merged.env ?? {},
    secrets: [...new Set(merged.secrets ?? [])].sort(),
    ports: merged.ports ?? [],
    volumes: merged.volumes ?? [],
    labels: merged.labels ?? {},
    restart: merged.restart ?? 'unless-stopped',
    ...(merged.resources?.cpus !== undefined ? { cpus: merged.resources.cpus } : {}),
    ...(merged.resources?.memory !== undefined ? { memoryBytes: merged.resources.memory } : {}),
    ...(hc !== undefined ? { healthcheck: hc } : {}),
    ...(merged.network ? { network: merged.network } : {}),
  };
  return { task: p.task, host: p.host, spec: taskSpec, at: p.at };
}

/** start-first runs old and new side by side: a published host port cannot be bound twice. */
function startFirstRule(
  source: SourceFile,
  job: string,
  tasks: TaskDraft[],
  issues: ConfigIssue[],
): void {
  const published = tasks
    .flatMap((t) => t.spec.ports)
    .find((port) => parsePort(port)?.hostPort !== undefined);
  if (published) {
    issues.push(
      issueAt(
        source,
        ['jobs', job, 'update', 'order'],
        `start-first cannot be used with a published host port (${published}): the new container could not bind it while the old one runs`,
      ),
    );
  }
}

interface KeyRule {
  readonly valid: RegExp;
  readonly invalid: (key: string) => string;
  readonly reserved?: { readonly prefix: string; readonly message: (key: string) => string };
}

const KEY_RULES = {
  // Docker takes any env name without "=" (`-e NAME=value` splits at the first one); its env
  // files, which carry the secrets, also refuse whitespace.
  env: {
    valid: /^[^=\s]+$/,
    invalid: (key) =>
      `env name "${key}" must not be empty nor hold "=" or whitespace (docker splits NAME=value at the first "=")`,
  },
  labels: {
    valid: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
    invalid: (key) =>
      `label key "${key}" must start with a letter or a digit and hold only letters, digits and . _ / - (docker splits key=value at "=")`,
    reserved: {
      prefix: 'deploy.',
      message: (key) => `label "${key}": the deploy.* labels are reserved`,
    },
  },
} satisfies Record<'env' | 'labels', KeyRule>;

function keyRules(
  rule: KeyRule,
  source: SourceFile,
  path: PathSeg[],
  map: Record<string, string> | undefined,
  issues: ConfigIssue[],
): void {
  for (const key of Object.keys(map ?? {})) {
    const message = !rule.valid.test(key)
      ? rule.invalid(key)
      : rule.reserved && key.startsWith(rule.reserved.prefix)
        ? rule.reserved.message(key)
        : undefined;
    if (message) issues.push(issueAt(source, [...path, key], message, { key: true }));
  }
}

function placementHosts(
  source: SourceFile,
  path: PathSeg[],
  placement: NonNullable<JobInput['placement']>,
  scope: ServiceScope,
  issues: ConfigIssue[],
): string[] {
  const inv = scope.inventory!;
  const kinds = (['group', 'hosts', 'labels'] as const).filter((k) => placement[k] !== undefined);
  if (kinds.length !== 1) {
    issues.push(
      issueAt(source, path, 'placement needs exactly one of group, hosts or labels', { key: true }),
    );
    return [];
  }
  let hosts: string[] = [];
  if (placement.group !== undefined) {
    const members = inv.groups[placement.group];
    if (!members) {
      issues.push(
        issueAt(
          source,
          [...path, 'group'],
          `unknown group "${placement.group}" in inventory ${inv.name}${didYouMean(placement.group, Object.keys(inv.groups))}`,
        ),
      );
      return [];
    }
    hosts = members;
  } else if (placement.hosts) {
    placement.hosts.forEach((h, i) => {
      if (!inv.hosts[h])
        issues.push(
          issueAt(
            source,
            [...path, 'hosts', i],
            `unknown host "${h}" in inventory ${inv.name}${didYouMean(h, Object.keys(inv.hosts))}`,
          ),
        );
    });
    hosts = placement.hosts.filter((h) => inv.hosts[h]);
  } else if (placement.labels) {
    const want = Object.entries(placement.labels);
    hosts = Object.values(inv.hosts)
      .filter((h) => want.every(([k, v]) => h.labels[k] === v))
      .map((h) => h.name);
  }
  const unique = [...new Set(hosts)];
  if (unique.length === 0)
    issues.push(
      issueAt(source, path, `placement selects no host in inventory ${inv.name}`, { key: true }),
    );
  return unique;
}

/** Task overrides: maps merge by key, lists and scalars replace. */
function mergeOverrides(job: JobInput, overrides: Record<string, unknown>): JobInput {
  const out: Record<string, unknown> = { ...job };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    const base = out[k];
    out[k] = isRecord(base) && isRecord(v) ? { ...base, ...v } : v;
  }
  return out as JobInput;
}

/** undefined: the image's own check; null: a map without cmd. */
function healthcheck(
  hc: HealthcheckInput | undefined,
): HealthcheckSpec | 'none' | undefined | null {
  if (hc === undefined) return undefined;
  if (hc === 'none') return 'none';
  if (hc.cmd === undefined) return null;
  return {
    test: typeof hc.cmd === 'string' ? ['CMD-SHELL', hc.cmd] : ['CMD', ...hc.cmd],
    intervalMs: hc.interval ?? 5000,
    timeoutMs: hc.timeout ?? 5000,
    retries: hc.retries ?? 3,
    startPeriodMs: hc.start_period ?? 0,
  };
}

/** The tag of an image reference, or undefined (a digest counts as pinned). */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 ? undefined : last.slice(colon + 1);
}
