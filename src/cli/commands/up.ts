import type { ExitCode } from '../../shared/errors.js';
import { up } from '../../tasks/use-cases/up.js';
import type { GlobalOptions } from '../context.js';
import { progressReporter } from '../progress.js';
import { renderDeployRun } from '../render-deploy.js';
import { noticesFor, settingsOf } from '../run-io.js';
import { withTargets } from '../session.js';

/** `deploy up [TARGET]`: create and start missing tasks, dependencies first. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: true, host: opts.host }, async (t) => {
    const io = { reporter: progressReporter(globals), notices: noticesFor(globals) };
    const result = await up(t.session, settingsOf(globals), io, {
      selection: t.selection,
      hostFilter: t.hostFilter,
    });
    return renderDeployRun(globals, result);
  });
}
