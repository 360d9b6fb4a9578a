/**
 * Loading a whole config repository against one inventory: the inventory, every job file,
 * the cross-file rules (service dependencies, container names), secrets and hashes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, formatIssue, type ConfigIssue } from '../shared/errors.js';
import { Secret } from '../shared/secret.js';
import { parseDotenv } from './dotenv.js';
import { secretHashOf, taskHash } from './hash.js';
import { MIN_SECRET_LENGTH, secretValueIssues } from './field-checks.js';
import { loadInventoryFile, type LoadedInventory } from './inventory-file.js';
import type { Project, ResolvedJob, ResolvedService, ResolvedTask } from './model.js';
import { didYouMean } from './names.js';
import { findCycle, startOrder } from './order.js';
import {
  assertRepository,
  listInventories,
  listServiceFiles,
  resolveInventory,
} from './repository.js';
import { loadServiceFile, rawJobSecretNames, type ServiceDraft } from './service-file.js';
import { issueAt, readConfigFile, type PathSeg, type SourceFile } from './source.js';

/**
 * deploy's own secrets, read from the environment: never interpolated, and their values
 * are kept out of every plain field like a job's secrets.
 */
export const DEPLOY_SECRETS = ['DEPLOY_SSH_KEY', 'DEPLOY_SSH_PASSPHRASE', 'DEPLOY_HASH_KEY'];

export interface LoadOptions {
  dir: string;
  inventory?: string;
  env?: NodeJS.ProcessEnv;
  requireSecrets?: boolean;
}

interface Outcome {
  project?: Project;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export async function loadProject(opts: LoadOptions): Promise<Project> {
  const dir = resolve(opts.dir);
  assertRepository(dir);
  const file = resolveInventory(dir, opts.inventory);
  const outcome = loadAgainst(dir, file, opts.env ?? process.env, opts.requireSecrets ?? true);
  if (outcome.errors.length || !outcome.project)
    throw new ConfigError(sortIssues(dedupe(outcome.errors)));
  return outcome.project;
}

export async function validateRepository(opts: {
  dir: string;
  inventory?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ errors: ConfigIssue[]; warnings: ConfigIssue[]; inventories: string[] }> {
  const dir = resolve(opts.dir);
  assertRepository(dir);
  const files =
    opts.inventory !== undefined ? [resolveInventory(dir, opts.inventory)] : listInventories(dir);
  if (files.length === 0) resolveInventory(dir, undefined); // throws the usual "no inventory" usage error
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const names: string[] = [];
  for (const file of files) {
    const outcome = loadAgainst(dir, file, opts.env ?? process.env, false);
    names.push(file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, ''));
    errors.push(...outcome.errors);
    warnings.push(...outcome.warnings);
  }
  return {
    errors: sortIssues(dedupe(errors)),
    warnings: sortIssues(dedupe(warnings)),
    inventories: names,
  };
}

/** Findings of one load, pushed by each step. */
interface Findings {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/**
 * The repository read against one inventory: service files, inventory, job drafts and
 * the cross-file rules; then secrets and the plain-field guard; then hashes and order.
 * Each stage stops the load when it found errors.
 */
function loadAgainst(
  dir: string,
  inventoryFile: string,
  env: NodeJS.ProcessEnv,
  requireSecrets: boolean,
): Outcome {
  const found: Findings = { errors: [], warnings: [] };
  const { errors, warnings } = found;
  const files = readServiceFiles(dir, found);
  // Every secret name is known before anything is interpolated (SPEC §6): the inventory's
  // vars reach job fields, so a job secret in a var must be caught in the inventory.
  const secretNames = new Set<string>(DEPLOY_SECRETS);
  for (const f of files) for (const s of rawJobSecretNames(f.text)) secretNames.add(s);
  const inv = loadInventoryFile(dir, inventoryFile, relative(dir, inventoryFile), env, secretNames);
  errors.push(...inv.issues);
  warnings.push(...inv.warnings);
  const drafts = loadDrafts(files, inv, env, secretNames, found);
  errors.push(...crossFileRules(drafts));
  if (errors.length || !inv.inventory) return found;

  const secrets = resolveSecrets(dir, inv, drafts, env, requireSecrets, errors, warnings);
  // The ledger guard is the last line; this is the first: no host is contacted with a
  // secret value in a plain field, whichever way it got there.
  errors.push(...secretValueIssues(inv.source!, secrets));
  for (const d of drafts) errors.push(...secretValueIssues(d.source, secrets));
  if (errors.length) return found;

  const services = resolveServices(drafts, secrets);
  return { project: { dir, inventory: inv.inventory, services, secrets, warnings }, ...found };
}

interface ServiceText {
  abs: string;
  rel: string;
  text: string;
}

/** The text of every service file; an unreadable one is an error. */
function readServiceFiles(dir: string, found: Findings): ServiceText[] {
  const files: ServiceText[] = [];
  for (const abs of listServiceFiles(dir)) {
    const rel = relative(dir, abs);
    const read = readConfigFile(abs, rel, 'service file');
    if ('issue' in read) found.errors.push(read.issue);
    else files.push({ abs, rel, text: read.text });
  }
  return files;
}

/** Each service file parsed and interpolated against the inventory. */
function loadDrafts(
  files: readonly ServiceText[],
  inv: LoadedInventory,
  env: NodeJS.ProcessEnv,
  secretNames: Set<string>,
  found: Findings,
): ServiceDraft[] {
  const drafts: ServiceDraft[] = [];
  for (const f of files) {
    const loaded = loadServiceFile(f.abs, f.rel, f.text, {
      env,
      vars: inv.vars,
      secretNames,
      inventoryName: inv.name,
      ...(inv.skeleton ? { inventory: inv.skeleton } : {}),
    });
    found.errors.push(...loaded.issues);
    found.warnings.push(...loaded.warnings);
    if (loaded.service) drafts.push(loaded.service);
  }
  return drafts;
}

/** The drafts with secret hashes and task hashes, services and jobs in start order. */
function resolveServices(
  drafts: readonly ServiceDraft[],
  secrets: Project['secrets'],
): ResolvedService[] {
  const hashKey = secrets.DEPLOY_HASH_KEY;
  const services: ResolvedService[] = drafts.map((d) => {
    const jobs: ResolvedJob[] = d.jobs.map((j) => ({
      service: d.service,
      job: j.job,
      update: j.update,
      dependsOn: j.dependsOn,
      tasks: j.tasks.map((t): ResolvedTask => {
        const secretHashes: Record<string, string> = {};
        for (const name of t.spec.secrets)
          secretHashes[name] = secretHashOf(d.service, name, secrets[name], hashKey);
        return {
          service: d.service,
          job: j.job,
          task: t.task,
          host: t.host,
          container: `${d.service}-${j.job}-${t.task}`,
          spec: t.spec,
          secretHashes,
          hash: taskHash(t.spec, secretHashes),
        };
      }),
    }));
    const ordered = startOrder(jobs.map((j) => ({ ...j, name: j.job })));
    return {
      service: d.service,
      file: d.file,
      dependsOn: d.dependsOn,
      jobs: ordered.map(({ name: _name, ...j }) => j),
    };
  });
  return startOrder(services.map((s) => ({ ...s, name: s.service }))).map(
    ({ name: _name, ...s }) => s,
  );
}

function crossFileRules(drafts: ServiceDraft[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = drafts.map((d) => d.service);
  for (const d of drafts) {
    d.dependsOn.forEach((dep, i) => {
      if (!names.includes(dep))
        issues.push(
          issueAt(d.source, ['depends_on', i], `unknown service "${dep}"${didYouMean(dep, names)}`),
        );
      else if (dep === d.service)
        issues.push(
          issueAt(d.source, ['depends_on', i], `service "${dep}" cannot depend on itself`),
        );
    });
  }
  const cycle = findCycle(
    drafts.map((d) => ({ name: d.service, dependsOn: d.dependsOn.filter((x) => x !== d.service) })),
  );
  if (cycle) {
    const first = drafts.find((d) => d.service === cycle[0])!;
    issues.push(
      issueAt(
        first.source,
        ['depends_on'],
        `dependency cycle between services: ${cycle.join(' -> ')}`,
      ),
    );
  }
  const seen = new Map<string, { label: string; file: string }>();
  for (const d of drafts) {
    for (const j of d.jobs) {
      for (const t of j.tasks) {
        const container = `${d.service}-${j.job}-${t.task}`;
        const label = `${d.service}/${j.job}/${t.task}`;
        const prior = seen.get(container);
        if (prior) {
          issues.push(
            issueAt(
              d.source,
              t.at,
              `container name "${container}" of task ${label} collides with task ${prior.label} (${prior.file})`,
              { key: true },
            ),
          );
        } else {
          seen.set(container, { label, file: d.source.file });
        }
      }
    }
  }
  return issues;
}

/** Process env wins over `.secrets/<inventory>.env`; values never appear in messages. */
function resolveSecrets(
  dir: string,
  inv: LoadedInventory,
  drafts: ServiceDraft[],
  env: NodeJS.ProcessEnv,
  requireSecrets: boolean,
  errors: ConfigIssue[],
  warnings: ConfigIssue[],
): Record<string, Secret> {
  const dotenvRel = join('.secrets', `${inv.name}.env`);
  const dotenvAbs = join(dir, dotenvRel);
  const fileValues = existsSync(dotenvAbs) ? parseDotenv(readFileSync(dotenvAbs, 'utf8')) : {};
  const lookup = (name: string): string | undefined => env[name] ?? fileValues[name];

  const refs: { name: string; source: SourceFile; path: PathSeg[] }[] = [];
  const invSource = inv.source!;
  const model = inv.inventory!;
  if (model.registry)
    refs.push({
      name: model.registry.passwordSecret,
      source: invSource,
      path: ['registry', 'password_secret'],
    });
  model.notify.forEach((n, i) =>
    refs.push({ name: n.webhookSecret, source: invSource, path: ['notify', i, 'webhook_secret'] }),
  );
  for (const d of drafts)
    for (const j of d.jobs)
      for (const name of new Set(j.tasks.flatMap((t) => t.spec.secrets)))
        refs.push({ name, source: d.source, path: secretRefPath(d.source, j.job, name) });

  const secrets: Record<string, Secret> = {};
  const reported = new Set<string>();
  for (const ref of refs) {
    const value = lookup(ref.name);
    if (value !== undefined && value.length > 0 && value.length < MIN_SECRET_LENGTH) {
      errors.push(
        issueAt(
          ref.source,
          ref.path,
          `secret ${ref.name} is ${value.length} character${value.length === 1 ? '' : 's'} long: values shorter than ${MIN_SECRET_LENGTH} characters cannot be told apart from ordinary text, so deploy could not mask them in output nor keep them out of the ledger; use a longer value`,
        ),
      );
      continue;
    }
    if (value !== undefined) {
      secrets[ref.name] = new Secret(ref.name, value);
      continue;
    }
    const key = `${ref.source.file}:${ref.name}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const message = `secret ${ref.name} has no value: looked in the environment and ${dotenvRel}`;
    (requireSecrets ? errors : warnings).push({
      ...issueAt(ref.source, ref.path, message, { severity: requireSecrets ? 'error' : 'warning' }),
      kind: 'missing-secret',
    });
  }
  const hashKey = lookup('DEPLOY_HASH_KEY');
  if (hashKey !== undefined) secrets.DEPLOY_HASH_KEY = new Secret('DEPLOY_HASH_KEY', hashKey);
  // Read by the transport from the process environment only; carried here so that -v masks
  // them and the ledger guard knows them.
  for (const name of ['DEPLOY_SSH_KEY', 'DEPLOY_SSH_PASSPHRASE'])
    if (env[name] !== undefined && env[name] !== '') secrets[name] = new Secret(name, env[name]);
  const jobRef = refs.find((r) => r.source !== invSource);
  if (hashKey === undefined && jobRef) {
    warnings.push(
      issueAt(
        jobRef.source,
        jobRef.path,
        'secret hashes are unkeyed sha256 and are kept in the ledger: set the secret DEPLOY_HASH_KEY so weak secrets cannot be brute-forced',
        { severity: 'warning' },
      ),
    );
  }
  return secrets;
}

function secretRefPath(source: SourceFile, job: string, name: string): PathSeg[] {
  const list = source.doc.getIn(['jobs', job, 'secrets']) as { toJSON?: () => unknown } | undefined;
  const names = list?.toJSON?.();
  if (Array.isArray(names) && names.includes(name))
    return ['jobs', job, 'secrets', names.indexOf(name)];
  const tasks = source.doc.getIn(['jobs', job, 'tasks']) as { toJSON?: () => unknown } | undefined;
  const t = tasks?.toJSON?.();
  if (t && typeof t === 'object') {
    for (const [task, spec] of Object.entries(t as Record<string, { secrets?: unknown }>)) {
      if (Array.isArray(spec?.secrets) && spec.secrets.includes(name))
        return ['jobs', job, 'tasks', task, 'secrets', spec.secrets.indexOf(name)];
    }
  }
  return ['jobs', job];
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = formatIssue(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  // Ordinal, not localeCompare: the first localeCompare loads ICU collation (~5 ms of
  // validate's start-up), and file paths need no locale.
  const byFile = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...issues].sort((a, b) => byFile(a.file, b.file) || a.line - b.line || a.col - b.col);
}
