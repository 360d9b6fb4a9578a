/**
 * `deploy inspect TASK`: docker's own inspect document of one task's container, with the
 * values of secret env vars replaced. `--show-secrets` is deliberately not offered.
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import { LABEL, inspectArgv, parseSpecLabel } from '../remote-docker/index.js';
import { OperationError } from '../shared/errors.js';
import type { HostDocker } from './host-docker.js';

export const REDACTED = '<redacted>';

/**
 * Env var names whose values must not be shown: the job's secrets, the registry password
 * and webhook URLs (should they ever reach a container), and the secrets the running
 * container's own spec label lists (the files may have changed since it was created).
 */
export function secretNames(project: Project, task: ResolvedTask): Set<string> {
  const names = new Set<string>(task.spec.secrets);
  if (project.inventory.registry) names.add(project.inventory.registry.passwordSecret);
  for (const n of project.inventory.notify) names.add(n.webhookSecret);
  return names;
}

/**
 * Replaces `NAME=value` in each container's `Config.Env` by `NAME=<redacted>` for every
 * secret name, plus those listed in the container's `deploy.spec` label. Pure: returns a copy.
 */
export function redactInspect(doc: unknown, names: ReadonlySet<string>): unknown {
  if (!Array.isArray(doc)) return doc;
  return doc.map((container: unknown) => {
    if (container === null || typeof container !== 'object') return container;
    const c = container as Record<string, unknown>;
    const config = c.Config;
    if (config === null || typeof config !== 'object') return container;
    const cfg = config as Record<string, unknown>;
    const all = new Set(names);
    const labels = cfg.Labels as Record<string, unknown> | null | undefined;
    const label =
      labels && typeof labels[LABEL.spec] === 'string' ? (labels[LABEL.spec] as string) : undefined;
    parseSpecLabel(label)?.spec.secrets.forEach((n) => all.add(n));
    if (!Array.isArray(cfg.Env)) return container;
    const env = cfg.Env.map((entry: unknown) => {
      if (typeof entry !== 'string') return entry;
      const eq = entry.indexOf('=');
      const name = eq < 0 ? entry : entry.slice(0, eq);
      return all.has(name) && eq >= 0 ? `${name}=${REDACTED}` : entry;
    });
    return { ...c, Config: { ...cfg, Env: env } };
  });
}

export interface Inspection {
  /** docker inspect's array (one container), redacted. */
  document: unknown;
  /** Set when the container carries another inventory's or host's labels. */
  warning?: string;
}

export async function inspectTask(
  project: Project,
  task: ResolvedTask,
  host: HostDocker,
): Promise<Inspection> {
  const result = await host.run(inspectArgv([task.container]));
  if (result.code !== 0) {
    throw new OperationError(
      /no such (container|object)/i.test(result.stderr)
        ? `${task.container} does not exist on ${task.host}`
        : `docker inspect ${task.container} failed on ${task.host} with exit code ${result.code}: ${result.stderr.trim()}`,
      /no such/i.test(result.stderr)
        ? `deploy up ${task.service}/${task.job}/${task.task}`
        : undefined,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch {
    throw new OperationError(`docker inspect on ${task.host} printed something that is not JSON`);
  }
  const document = redactInspect(raw, secretNames(project, task));
  const inspection: Inspection = { document };
  const warning = foreignWarning(raw, project.inventory.name, task.host);
  if (warning) inspection.warning = warning;
  return inspection;
}

function foreignWarning(raw: unknown, inventory: string, host: string): string | undefined {
  const first: unknown = Array.isArray(raw) ? raw[0] : undefined;
  const config =
    first && typeof first === 'object' ? (first as Record<string, unknown>).Config : undefined;
  const labels = (
    config && typeof config === 'object' ? (config as Record<string, unknown>).Labels : undefined
  ) as Record<string, unknown> | null | undefined;
  const inv = labels?.[LABEL.inventory];
  const h = labels?.[LABEL.host];
  if (inv === inventory && h === host) return undefined;
  return `this container is not labelled as inventory ${inventory}, host ${host} (labels: inventory ${String(inv ?? 'none')}, host ${String(h ?? 'none')})`;
}
