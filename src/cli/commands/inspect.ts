import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { inspect } from '../../tasks/use-cases/inspect.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { withTargets } from '../session.js';

/**
 * `deploy inspect TASK`: exactly one task must match. Plain and --json print the same
 * JSON (docker's inspect array, secret env values replaced by `<redacted>`).
 */
export async function run(globals: GlobalOptions, args: string[]): Promise<ExitCode> {
  return withTargets(globals, args[0], { requireSecrets: false }, async (t): Promise<ExitCode> => {
    const inspection = await inspect(t.session, globals, {
      selection: t.selection,
      target: args[0],
    });
    if (inspection.warning) process.stderr.write(`warning: ${escapeControl(inspection.warning)}\n`);
    printJson(inspection.document);
    return 0;
  });
}
