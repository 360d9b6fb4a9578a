import { createInterface } from 'node:readline/promises';
import { UsageError } from '../shared/errors.js';
import type { GlobalOptions } from './context.js';

/**
 * SPEC §3: destructive steps ask on a TTY; otherwise (or with --json) they need --yes,
 * or the command exits 2 having changed nothing.
 */
export async function confirm(globals: GlobalOptions, question: string): Promise<void> {
  if (globals.yes) return;
  if (globals.json || !process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`${question} — confirmation needed`, 'add --yes to confirm');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new UsageError('not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}
