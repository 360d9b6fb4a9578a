import type { HealthcheckSpec } from '../inventory/model.js';
import { shellJoin } from '../shared/quote.js';

/** Go duration text docker parses: whole seconds as `2s`, anything finer as `1500ms`. */
export function goDuration(ms: number): string {
  const whole = Math.round(ms);
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/**
 * `docker create` health flags. undefined keeps the image's own check; 'none' disables it.
 *
 * The docker CLI only takes a string for `--health-cmd`, which the engine runs as
 * CMD-SHELL (`/bin/sh -c`). A CMD list is therefore passed as its shell-joined text: the
 * container's shell sees exactly the list's words, but the image needs `/bin/sh`.
 *
 * @example healthFlags({ test: ['CMD-SHELL', 'wget -qO- localhost'], intervalMs: 2000, timeoutMs: 5000, retries: 3, startPeriodMs: 0 })
 * // ['--health-cmd', 'wget -qO- localhost', '--health-interval', '2s', '--health-timeout', '5s', '--health-retries', '3', '--health-start-period', '0s']
 */
export function healthFlags(check: HealthcheckSpec | 'none' | undefined): string[] {
  if (check === undefined) return [];
  const [kind, ...rest] = check === 'none' ? ['NONE'] : check.test;
  if (check === 'none' || kind === 'NONE') return ['--no-healthcheck'];
  let cmd: string;
  if (kind === 'CMD-SHELL') cmd = rest.join(' ');
  else if (kind === 'CMD') cmd = shellJoin(rest);
  else throw new Error(`unknown healthcheck test kind: ${String(kind)}`);
  return [
    '--health-cmd',
    cmd,
    '--health-interval',
    goDuration(check.intervalMs),
    '--health-timeout',
    goDuration(check.timeoutMs),
    '--health-retries',
    String(check.retries),
    '--health-start-period',
    goDuration(check.startPeriodMs),
  ];
}
