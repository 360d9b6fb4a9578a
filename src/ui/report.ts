import type { Project } from '../inventory/model.js';
import { UsageError } from '../shared/errors.js';
import type { StatusReport } from '../tasks/status.js';

/** Placeholder until the dashboard lands: says so instead of pretending. */
export async function writeStatusHtml(_file: string, _project: Project, _report: StatusReport): Promise<void> {
  throw new UsageError('status --html: not implemented yet');
}
