/**
 * `deploy inspect TASK`: docker's own inspect document of one task's container, with the
 * values of secret env vars replaced. `--show-secrets` is deliberately not offered.
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import { LABEL, dockerError, inspectArgv } from '../remote-docker/index.js';
import { redactInspect, type Redaction } from './redact.js';
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

/** One `docker inspect` of a task's container, as read: what the CLI and the dashboard share. */
export type InspectRead =
  | { kind: 'found'; raw: unknown; redacted: Redaction }
  | { kind: 'failed'; code: number; stderr: string }
  | { kind: 'not-json'; error: unknown };

export async function readInspect(
  project: Project,
  task: ResolvedTask,
  host: HostDocker,
): Promise<InspectRead> {
  const result = await host.run(inspectArgv([task.container]));
  if (result.code !== 0) return { kind: 'failed', code: result.code, stderr: result.stderr };
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch (error) {
    return { kind: 'not-json', error };
  }
  return { kind: 'found', raw, redacted: redactInspect(raw, secretNames(project, task)) };
}

/** `deploy inspect`: the redacted document, or an error that says what to do. */
export async function inspectTask(
  project: Project,
  task: ResolvedTask,
  host: HostDocker,
): Promise<Inspection> {
  const read = await readInspect(project, task, host);
  if (read.kind === 'failed') {
    const missing = dockerError(read.stderr) === 'no-such-container';
    throw new OperationError(
      missing
        ? `${task.container} does not exist on ${task.host}`
        : `docker inspect ${task.container} failed on ${task.host} with exit code ${read.code}: ${read.stderr.trim()}`,
      missing ? `deploy up ${task.service}/${task.job}/${task.task}` : undefined,
    );
  }
  if (read.kind === 'not-json')
    throw new OperationError(`docker inspect on ${task.host} printed something that is not JSON`);
  const inspection: Inspection = { document: read.redacted.inspect };
  const warning = foreignWarning(read.raw, project.inventory.name, task.host);
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
