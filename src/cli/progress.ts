/**
 * Progress on a terminal: a live block with one spinner line per task in flight, redrawn
 * in place on stderr, with finished tasks printed above it for good. Without a TTY (CI
 * logs, pipes) or with CI=true, progress is one plain line per event instead; under
 * --json there is none.
 */
import { escapeControl } from '../shared/quote.js';
import type { Reporter, TaskRef } from '../tasks/reporter.js';
import { taskLabel } from '../tasks/reporter.js';
import type { GlobalOptions } from './context.js';
import { indent, lineReporter, makeChalk, outcomeColour } from './output.js';

export interface Progress extends Reporter {
  /** Clears the live block; call before printing the final summary. */
  close(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function isInteractive(
  globals: GlobalOptions,
  stream: NodeJS.WriteStream = process.stderr,
): boolean {
  const ci = (process.env.CI ?? '') !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
  return !globals.json && Boolean(stream.isTTY) && !ci && process.env.TERM !== 'dumb';
}

export function progressReporter(globals: GlobalOptions): Progress {
  if (!isInteractive(globals)) return { ...lineReporter(globals), close: () => {} };
  const out = process.stderr;
  const c = makeChalk(globals, out);
  const active = new Map<string, { message: string; since: number }>();
  let drawn = 0;
  let frame = 0;

  const clear = (): void => {
    if (drawn > 0) out.write(`\u001b[${drawn}A\u001b[0J`);
    drawn = 0;
  };
  const draw = (): void => {
    clear();
    const width = out.columns || 100;
    const lines = [...active].map(([label, s]) => {
      const secs = Math.floor((Date.now() - s.since) / 1000);
      const text = `${FRAMES[frame % FRAMES.length]} ${label}: ${s.message}${secs >= 2 ? ` (${secs}s)` : ''}`;
      return text.length > width - 1 ? text.slice(0, width - 2) + '…' : text;
    });
    if (lines.length) out.write(lines.map((l) => c.cyan(l)).join('\n') + '\n');
    drawn = lines.length;
  };
  const above = (text: string): void => {
    clear();
    out.write(text + '\n');
    draw();
  };
  const timer = setInterval(() => {
    frame++;
    if (active.size) draw();
  }, 100);
  timer.unref();

  return {
    step: (ref: TaskRef, message: string) => {
      const label = taskLabel(ref);
      const since = active.get(label)?.since ?? Date.now();
      active.set(label, { message: escapeControl(message), since });
      draw();
    },
    done: (ref: TaskRef, outcome: string, message: string, detail?: string) => {
      active.delete(taskLabel(ref));
      const mark =
        outcome === 'ok' ? c.green('✔') : outcome === 'failed' ? c.red('✖') : c.yellow('•');
      above(
        `${mark} ${taskLabel(ref)}: ${outcomeColour(c, outcome)(outcome)} ${escapeControl(message)}`,
      );
      if (detail) above(c.dim(indent(escapeControl(detail))));
    },
    info: (message: string) => above(c.dim(escapeControl(message))),
    warn: (message: string) => above(c.yellow(`warning: ${escapeControl(message)}`)),
    close: () => {
      clearInterval(timer);
      active.clear();
      clear();
    },
  };
}
