/** Loads one inventory file: parse, interpolate (env only), validate, apply host defaults. */
import { homedir, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigIssue } from '../shared/errors.js';
import type { HostSpec, Inventory } from './model.js';
import { interpolateDocument } from './interpolate.js';
import { didYouMean, nameProblem } from './names.js';
import { HOOK_EVENTS, InventorySchema, type InventoryInput } from './schema.js';
import { issueAt, parseSource, readConfigFile, type SourceFile } from './source.js';
import { withoutEchoes, zodIssues } from './zod-issues.js';
import { wantsNumberOrBoolean } from './schema-walk.js';
import { controlCharacterIssues } from './field-checks.js';

export interface LoadedInventory {
  name: string;
  source?: SourceFile;
  /** Undefined when the file has errors. */
  inventory?: Inventory;
  /** Host names, labels and groups, also from an invalid file, so job files are still checked. */
  skeleton?: Inventory;
  /** Best-effort vars, also from an invalid file, so job files still interpolate. */
  vars: Record<string, string>;
  /** Secret names the inventory refers to (registry password, webhook URLs). */
  secretNames: Set<string>;
  issues: ConfigIssue[];
  /** Findings that do not stop loading (a placeholder address beside real ones). */
  warnings: ConfigIssue[];
}

export function inventoryName(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
}

/** `~` → $HOME; relative → the repository. */
export function repoPath(dir: string, p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/')) return resolve(env.HOME || homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(dir, p);
}

export function loadInventoryFile(
  dir: string,
  abs: string,
  rel: string,
  env: NodeJS.ProcessEnv,
  /** Every secret name known so far (job files, deploy's own); the inventory adds its own. */
  knownSecrets: Set<string> = new Set(),
): LoadedInventory {
  const name = inventoryName(abs);
  const result: LoadedInventory = {
    name,
    vars: {},
    secretNames: new Set(),
    issues: [],
    warnings: [],
  };
  const read = readConfigFile(abs, rel, 'inventory');
  if ('issue' in read) {
    result.issues.push(read.issue);
    return result;
  }
  const { source, issues } = parseSource(abs, rel, read.text);
  result.source = source;
  result.issues.push(...issues);
  if (issues.length) return result;

  const raw = source.doc.toJS() as Partial<Record<string, unknown>> | null;
  for (const s of rawSecretNames(raw)) {
    result.secretNames.add(s);
    knownSecrets.add(s);
  }
  result.issues.push(
    ...interpolateDocument(source, {
      env,
      secretNames: knownSecrets,
      inventoryName: name,
      wantsScalar: (path) => wantsNumberOrBoolean(InventorySchema, path),
    }),
  );
  result.issues.push(...controlCharacterIssues(source));
  const data: unknown = source.doc.toJS();
  if (isRecord(data) && isRecord(data.vars)) {
    for (const [k, v] of Object.entries(data.vars))
      if (v !== null && typeof v !== 'object') result.vars[k] = String(v);
  }
  result.skeleton = skeleton(name, abs, data, result.vars);
  const parsed = InventorySchema.safeParse(data ?? {});
  if (!parsed.success) {
    result.issues.push(
      ...withoutEchoes(zodIssues(source, InventorySchema, parsed.error.issues), result.issues),
    );
    return result;
  }
  const rules = inventoryRules(source, parsed.data);
  result.issues.push(...rules.filter((i) => i.severity !== 'warning'));
  result.warnings.push(...rules.filter((i) => i.severity === 'warning'));
  if (result.issues.length) return result;
  result.inventory = buildInventory(dir, name, abs, parsed.data, env);
  result.skeleton = result.inventory;
  return result;
}

/** Just enough of an invalid inventory for job files' host and group rules. */
function skeleton(
  name: string,
  abs: string,
  data: unknown,
  vars: Record<string, string>,
): Inventory | undefined {
  if (!isRecord(data) || !isRecord(data.hosts)) return undefined;
  const hosts: Record<string, HostSpec> = {};
  for (const [h, spec] of Object.entries(data.hosts)) {
    const labels: Record<string, string> = {};
    if (isRecord(spec) && isRecord(spec.labels))
      for (const [k, v] of Object.entries(spec.labels)) labels[k] = String(v);
    hosts[h] = {
      name: h,
      address: '',
      user: '',
      port: 22,
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 0,
      docker: 'docker',
      sudo: false,
      labels,
    };
  }
  const groups: Record<string, string[]> = {};
  if (isRecord(data.groups))
    for (const [g, m] of Object.entries(data.groups))
      if (Array.isArray(m)) groups[g] = m.map(String);
  return { name, file: abs, hosts, groups, vars, notify: [], hooks: {} };
}

function rawSecretNames(raw: Partial<Record<string, unknown>> | null): string[] {
  const out: string[] = [];
  if (!isRecord(raw)) return out;
  if (isRecord(raw.registry) && typeof raw.registry.password_secret === 'string')
    out.push(raw.registry.password_secret);
  if (Array.isArray(raw.notify)) {
    for (const n of raw.notify)
      if (isRecord(n) && typeof n.webhook_secret === 'string') out.push(n.webhook_secret);
  }
  return out;
}

function inventoryRules(source: SourceFile, inv: InventoryInput): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const hosts = Object.keys(inv.hosts);
  if (hosts.length === 0)
    issues.push(issueAt(source, ['hosts'], 'an inventory needs at least one host'));
  issues.push(...placeholderAddresses(source, inv));
  for (const h of hosts) {
    const problem = nameProblem(h);
    if (problem) issues.push(issueAt(source, ['hosts', h], problem, { key: true }));
  }
  for (const [g, members] of Object.entries(inv.groups ?? {})) {
    const problem = nameProblem(g);
    if (problem) issues.push(issueAt(source, ['groups', g], problem, { key: true }));
    if (inv.hosts[g])
      issues.push(
        issueAt(
          source,
          ['groups', g],
          `group "${g}" has the name of a host: --host would be ambiguous`,
          { key: true },
        ),
      );
    members.forEach((m, i) => {
      if (!inv.hosts[m])
        issues.push(
          issueAt(source, ['groups', g, i], `unknown host "${m}"${didYouMean(m, hosts)}`),
        );
    });
  }
  const jumpOk = (j: string): boolean => Boolean(inv.hosts[j]) || /[@:.]/.test(j);
  if (inv.defaults?.jump && !jumpOk(inv.defaults.jump)) {
    issues.push(
      issueAt(
        source,
        ['defaults', 'jump'],
        `unknown jump host "${inv.defaults.jump}" (a host of this inventory, or user@addr:port)`,
      ),
    );
  }
  for (const [h, spec] of Object.entries(inv.hosts)) {
    if (spec.jump && !jumpOk(spec.jump)) {
      issues.push(
        issueAt(
          source,
          ['hosts', h, 'jump'],
          `unknown jump host "${spec.jump}"${didYouMean(spec.jump, hosts)} (a host of this inventory, or user@addr:port)`,
        ),
      );
    }
    if (spec.jump === h || (!spec.jump && inv.defaults?.jump === h)) {
      issues.push(
        issueAt(
          source,
          spec.jump ? ['hosts', h, 'jump'] : ['defaults', 'jump'],
          `host "${h}" cannot be its own jump host`,
        ),
      );
    }
  }
  for (const event of Object.keys(inv.hooks ?? {})) {
    if (!HOOK_EVENTS.includes(event)) {
      issues.push(
        issueAt(
          source,
          ['hooks', event],
          `unknown hook "${event}"${didYouMean(event, HOOK_EVENTS)} (expected pre-/post- push, up, update, down or rollback)`,
          { key: true },
        ),
      );
    }
  }
  return issues;
}

/** `deploy init` writes addresses as `<…>`: no real address starts with `<`. */
export const PLACEHOLDER_ADDRESS = /^<.*>$/;

/**
 * Placeholder addresses left from `deploy init`. While no host has a real address nothing
 * could be deployed: an error. Once one has, the others are warnings, so a team with one
 * server can start with it (commands that reach a placeholder host fail as unreachable).
 */
function placeholderAddresses(source: SourceFile, inv: InventoryInput): ConfigIssue[] {
  const entries = Object.entries(inv.hosts);
  const placeholders = entries.filter(([, h]) => PLACEHOLDER_ADDRESS.test(h.address));
  if (placeholders.length === 0) return [];
  const severity = placeholders.length === entries.length ? 'error' : 'warning';
  return placeholders.map(([h]) => ({
    ...issueAt(
      source,
      ['hosts', h, 'address'],
      `fill in the address of host ${h}: its IP address or DNS name (or remove the host)`,
    ),
    severity,
  }));
}

/** The SSH user when none is given: like ssh, the local user. */
function defaultUser(env: NodeJS.ProcessEnv): string {
  if (env.USER) return env.USER;
  try {
    return userInfo().username || 'root';
  } catch {
    return 'root';
  }
}

function buildInventory(
  dir: string,
  name: string,
  abs: string,
  inv: InventoryInput,
  env: NodeJS.ProcessEnv,
): Inventory {
  const d = inv.defaults ?? {};
  const hosts: Record<string, HostSpec> = {};
  for (const [h, spec] of Object.entries(inv.hosts)) {
    const identity = spec.identity_file ?? d.identity_file;
    const known = spec.known_hosts ?? d.known_hosts;
    const jump = spec.jump ?? d.jump;
    hosts[h] = {
      name: h,
      address: spec.address,
      user: spec.user ?? d.user ?? defaultUser(env),
      port: spec.port ?? d.port ?? 22,
      ...(identity ? { identityFile: repoPath(dir, identity, env) } : {}),
      ...(known ? { knownHosts: repoPath(dir, known, env) } : {}),
      hostKeyPolicy: spec.host_key_policy ?? d.host_key_policy ?? 'strict',
      ...(jump && jump !== h ? { jump } : {}),
      connectTimeoutMs: spec.connect_timeout ?? d.connect_timeout ?? 10_000,
      docker: spec.docker ?? d.docker ?? 'docker',
      sudo: spec.sudo ?? d.sudo ?? false,
      labels: spec.labels ?? {},
      unsetInInventory: [
        ...((spec.user ?? d.user) ? [] : (['user'] as const)),
        ...((spec.port ?? d.port) ? [] : (['port'] as const)),
        ...((spec.connect_timeout ?? d.connect_timeout) ? [] : (['connectTimeoutMs'] as const)),
      ],
    };
  }
  return {
    name,
    file: abs,
    hosts,
    groups: inv.groups ?? {},
    vars: inv.vars ?? {},
    ...(inv.registry
      ? {
          registry: {
            server: inv.registry.server,
            username: inv.registry.username,
            passwordSecret: inv.registry.password_secret,
          },
        }
      : {}),
    notify: (inv.notify ?? []).map((n) => ({
      webhookSecret: n.webhook_secret,
      events: n.events ?? [...NOTIFY_ALL],
    })),
    hooks: inv.hooks ?? {},
  };
}

const NOTIFY_ALL = ['push', 'up', 'update', 'down', 'rollback', 'failure'] as const;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
