/**
 * `deploy unlock SERVICE [--host H]`: shows each holder of the service's lock; removes at
 * once the locks whose holder ran on this machine and is gone; the others only after a
 * prompt or with --yes (tasks/use-cases/unlock.ts). A refusal exits 2 having changed nothing.
 * --json: `{"ok","service","locks":[{"host","held","holder","stale","action"}],"hosts":[{"host","reachable","error"}]}`.
 */
import { type ExitCode, UsageError } from '../../shared/errors.js';
import { unlock, type UnlockReport } from '../../tasks/use-cases/unlock.js';
import type { GlobalOptions } from '../context.js';
import { confirm } from '../confirm.js';
import { printJson } from '../output.js';
import { noticesFor } from '../run-io.js';
import { withSession } from '../session.js';

const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const service = args[0] ?? '';
  if (!SERVICE_NAME.test(service))
    throw new UsageError(`invalid service name: ${JSON.stringify(service)}`);
  return withSession(globals, { requireSecrets: false }, async (session) => {
    const io = {
      notices: noticesFor(globals),
      confirm: (question: string) => confirm(globals, question),
    };
    const report = await unlock(session, globals, io, {
      service,
      hostFilter: (opts.host as string[] | undefined) ?? [],
    });
    if (report.refused) {
      // Answered here, not by the CLI entry, so --json still prints exactly one document.
      const err = report.refused;
      if (globals.json) printJson({ ...document(report, false), error: err.message });
      process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return report.exitCode;
    }
    if (globals.json) printJson(document(report, report.exitCode === 0));
    return report.exitCode;
  });
}

function document(report: UnlockReport, ok: boolean): Record<string, unknown> {
  const { locks, actions, errors, failed } = report;
  return {
    ok,
    service: report.service,
    locks: locks.map((l) => ({
      host: l.host,
      held: l.held,
      holder: l.holder ?? null,
      stale: l.stale,
      action: actions.get(l.host) ?? 'none',
      ...(errors.has(l.host) ? { error: errors.get(l.host) } : {}),
    })),
    hosts: [
      ...locks.map((l) => ({ host: l.host, reachable: true, error: null })),
      ...failed.map((f) => ({ host: f.host, reachable: false, error: f.error.message })),
    ],
  };
}
