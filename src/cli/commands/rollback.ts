import type { ExitCode } from '../../shared/errors.js';
import type { RollbackChoice } from '../../tasks/rollback.js';
import { rollback } from '../../tasks/use-cases/rollback.js';
import type { GlobalOptions } from '../context.js';
import { progressReporter } from '../progress.js';
import { renderDeployRun } from '../render-deploy.js';
import { noticesFor, settingsOf } from '../run-io.js';
import { withTargets } from '../session.js';

/** `deploy rollback TARGET [--to ID]`: redeploys an earlier entry's spec through a rolling update. */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: true, host: opts.host }, async (t) => {
    const io = {
      reporter: progressReporter(globals),
      notices: noticesFor(globals),
      chosen: (choices: RollbackChoice[]) => {
        if (globals.json) return;
        for (const c of choices) {
          process.stderr.write(
            `${c.service}/${c.job}: rolling back to ${c.target.id} (${c.target.action} of ${c.target.time}${c.running ? `; running ${c.running}` : ''})\n`,
          );
        }
      },
    };
    const result = await rollback(t.session, settingsOf(globals), io, {
      selection: t.selection,
      to: opts.to as string | undefined,
    });
    return renderDeployRun(globals, result);
  });
}
