/**
 * Rendering for humans: colours (off with --no-color, NO_COLOR, or no TTY unless
 * FORCE_COLOR), a line-per-event reporter for progress on stderr, and result tables.
 * Everything read from targets passes through escapeControl before it reaches a terminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { escapeControl } from '../shared/quote.js';
import type { Reporter, TaskRef } from '../tasks/reporter.js';
import { silentReporter, taskLabel } from '../tasks/reporter.js';
import type { GlobalOptions } from './context.js';

export function makeChalk(
  globals: GlobalOptions,
  stream: NodeJS.WriteStream = process.stderr,
): ChalkInstance {
  const forced = (process.env.FORCE_COLOR ?? '') !== '' && process.env.FORCE_COLOR !== '0';
  const level = globals.color && (forced || stream.isTTY) ? 1 : 0;
  return new Chalk({ level });
}

export function outcomeColour(c: ChalkInstance, outcome: string): (s: string) => string {
  switch (outcome) {
    case 'ok':
    case 'running':
    case 'healthy':
    case 'unchanged':
      return c.green;
    case 'failed':
    case 'unreachable':
    case 'unhealthy':
    case 'dead':
    case 'missing':
      return c.red;
    case 'rolled_back':
    case 'skipped':
    case 'interrupted':
    case 'exited':
    case 'starting':
      return c.yellow;
    default:
      return (s: string) => s;
  }
}

/** Progress as one plain line per event on stderr: readable in CI logs and on a TTY. */
export function lineReporter(globals: GlobalOptions): Reporter {
  if (globals.json) return silentReporter;
  const c = makeChalk(globals);
  const out = (line: string): void => {
    process.stderr.write(line + '\n');
  };
  return {
    step: (ref: TaskRef, message: string) => out(c.dim(`${taskLabel(ref)}: ${message}`)),
    done: (ref: TaskRef, outcome: string, message: string, detail?: string) => {
      out(`${taskLabel(ref)}: ${outcomeColour(c, outcome)(outcome)} ${escapeControl(message)}`);
      if (detail) out(indent(escapeControl(detail)));
    },
    info: (message: string) => out(escapeControl(message)),
    warn: (message: string) => out(c.yellow(`warning: ${escapeControl(message)}`)),
  };
}

export function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** A plain column table; widths ignore ANSI codes. */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  // eslint-disable-next-line no-control-regex
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of all)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  return all
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell)),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}
