/**
 * `deploy status --html FILE`: the overview as one self-contained HTML file for CI
 * artifacts. The stylesheet is inline and nothing refers outside the file (no links back
 * to a server, no scripts, no fonts).
 */
import { writeFile, rename } from 'node:fs/promises';
import type { Project } from '../inventory/model.js';
import type { StatusReport } from '../tasks/status.js';
import { layout } from './pages/layout.js';
import { overviewBody } from './pages/overview.js';

export function renderStatusHtml(
  project: Project,
  report: StatusReport,
  now: Date = new Date(),
): string {
  const ctx = {
    inventory: project.inventory.name,
    path: '',
    query: new URLSearchParams(),
    refresh: 0,
    publicMode: false,
    standalone: true,
  };
  const generatedAt = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return layout(ctx, 'overview', 'Status', overviewBody(project, report, ctx), { generatedAt })
    .value;
}

/** Written to a temporary file and renamed, so a CI step never picks up half a report. */
export async function writeStatusHtml(
  file: string,
  project: Project,
  report: StatusReport,
): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderStatusHtml(project, report));
  await rename(tmp, file);
}
