/**
 * `deploy inspect TASK`: docker's own inspect document of one task's container, with the
 * values of secret env vars replaced. `--show-secrets` is deliberately not offered.
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import { LABEL, dockerError, inspectArgv } from '../remote-docker/index.js';
import { redactInspect } from './redact.js';
import { OperationError } from '../shared/errors.js';
import type { HostDocker } from './host-docker.js';

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
    const missing = dockerError(result.stderr) === 'no-such-container';
    throw new OperationError(
      missing
        ? `${task.container} does not exist on ${task.host}`
        : `docker inspect ${task.container} failed on ${task.host} with exit code ${result.code}: ${result.stderr.trim()}`,
      missing ? `deploy up ${task.service}/${task.job}/${task.task}` : undefined,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch {
    throw new OperationError(`docker inspect on ${task.host} printed something that is not JSON`);
  }
  const document = redactInspect(raw, secretNames(project, task)).inspect;
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
