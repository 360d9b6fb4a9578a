/** Small display helpers shared by the pages. Every one returns escaped markup or text. */
import { formatDuration } from '../../shared/duration.js';
import { escapeControl } from '../../shared/quote.js';
import { html, type SafeHtml } from '../html.js';

/** Container text: control characters made visible (then escaped by `html` as usual). */
export function shown(text: string | null | undefined): string {
  return escapeControl(text ?? '');
}

const TONE: Record<string, string> = {
  running: 's-ok',
  healthy: 's-ok',
  ok: 's-ok',
  reachable: 's-ok',
  starting: 's-warn',
  restarting: 's-warn',
  created: 's-warn',
  paused: 's-warn',
  partial: 's-warn',
  interrupted: 's-warn',
  rolled_back: 's-warn',
  exited: 's-bad',
  dead: 's-bad',
  missing: 's-bad',
  unhealthy: 's-bad',
  failed: 's-bad',
  unreachable: 's-bad',
  unknown: 's-idle',
  none: 's-idle',
};

export function badge(word: string, title?: string): SafeHtml {
  return html`<span class="badge ${TONE[word] ?? 's-idle'}"${title ? html` title="${title}"` : ''}>${word}</span>`;
}

export function uptime(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function percentBar(used: number | null, total: number | null): SafeHtml {
  if (used === null || total === null || total <= 0) return html``;
  const pct = Math.max(0, Math.min(100, Math.round((used / total) * 100)));
  // CSP forbids inline styles, so the width is one of 21 classes rather than style="width".
  return html`<div class="bar" title="${pct}%"><span class="w${Math.round(pct / 5) * 5}"></span></div>`;
}

export function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
