/** The result rows and their rendering as a Markdown table (readable in a terminal too). */
import type { Summary } from './stats.js';

export interface Row {
  section: 'startup' | 'status' | 'update' | 'rss' | 'connections';
  label: string;
  tool: 'deploy' | 'ssh-default' | 'ssh-curve25519' | 'ansible' | 'node';
  hosts: number | null;
  unit: 'ms' | 'MB' | 'connections/host';
  summary: Summary;
  /** Label of the row this one is compared with. */
  baseline?: string;
  /** median / baseline median. */
  ratio?: number;
  /** median − baseline median (start-up is judged by the overhead over `node -e 0`). */
  overBaseline?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

const fmt = (n: number, unit: Row['unit']) =>
  unit === 'ms' ? n.toFixed(0) : unit === 'MB' ? n.toFixed(1) : String(n);

export function markdownTable(rows: Row[]): string {
  const head = ['row', 'hosts', 'median', 'min–max', 'runs', 'vs', 'ratio', 'target', ''];
  const lines = rows.map((r) => [
    r.label,
    r.hosts === null ? '' : String(r.hosts),
    `${fmt(r.summary.median, r.unit)} ${r.unit}`,
    `${fmt(r.summary.min, r.unit)}–${fmt(r.summary.max, r.unit)}`,
    String(r.summary.runs.length),
    r.baseline ?? '',
    r.ratio === undefined
      ? ''
      : `${r.ratio.toFixed(2)}×${r.overBaseline !== undefined ? ` (+${r.overBaseline.toFixed(0)} ms)` : ''}`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'met' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(line),
  ].join('\n');
}
