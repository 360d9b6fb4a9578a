import type { ExitCode } from '../../shared/errors.js';
import { update } from '../../tasks/use-cases/update.js';
import { confirm } from '../confirm.js';
import type { GlobalOptions } from '../context.js';
import { lineReporter } from '../output.js';
import { progressReporter } from '../progress.js';
import { renderDeployRun } from '../render-deploy.js';
import { noticesFor, settingsOf } from '../run-io.js';
import { withTargets } from '../session.js';

/** `deploy update [TARGET] [--only-failed] [--force] [--prune]`: roll changed tasks by policy. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: true, host: opts.host }, async (t) => {
    const io = {
      reporter: progressReporter(globals),
      notices: noticesFor(globals),
      confirm: (question: string) => confirm(globals, question),
      pruneReporter: lineReporter(globals),
    };
    const result = await update(t.session, settingsOf(globals), io, {
      selection: t.selection,
      onlyFailed: Boolean(opts.onlyFailed),
      force: Boolean(opts.force),
      prune: Boolean(opts.prune),
    });
    return renderDeployRun(globals, result);
  });
}
