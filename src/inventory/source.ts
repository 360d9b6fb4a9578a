/**
 * A parsed YAML file that keeps source positions, so every finding can point at
 * `file:line:col` of the offending key or value.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { ConfigIssue } from '../shared/errors.js';

export type PathSeg = string | number;

export interface SourceFile {
  /** Relative to the repository, as printed in issues. */
  file: string;
  abs: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseSource(
  abs: string,
  file: string,
  text: string,
): { source: SourceFile; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  // After the first syntax error the parser's further complaints are mostly its echo.
  const firstSyntax = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const errors = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === firstSyntax);
  const issues: ConfigIssue[] = errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    const message =
      e.code === 'DUPLICATE_KEY'
        ? 'duplicate key' + duplicateName(text, e.pos[0], e.pos[1])
        : yamlMessage(e.message);
    return { file, line: pos.line, col: pos.col, path: '', message, severity: 'error' };
  });
  return { source: { file, abs, doc, lines }, issues };
}

function duplicateName(text: string, start: number, end: number): string {
  const span = text.slice(start, Math.max(end, start + 200));
  const key = (/^\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^:,{}\n]*))/.exec(span) ?? [])
    .slice(1)
    .find((k) => k !== undefined)
    ?.trim();
  return key && key.length < 80 ? ` "${key}"` : '';
}

/** yaml's messages end with a source excerpt; the location is printed separately. */
function yamlMessage(message: string): string {
  return 'YAML: ' + message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/**
 * The node at `path`, or the deepest existing ancestor when the path runs out (a missing
 * required key is reported at its parent). `key: true` points at a map key instead of its value.
 */
export function nodeAt(source: SourceFile, path: readonly PathSeg[], key = false): Node | null {
  let node: unknown = source.doc.contents;
  let keyNode: unknown = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return node;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      keyNode = null;
      node = node.items[seg];
    } else {
      return (node as Node | null) ?? null;
    }
  }
  return (key && keyNode ? keyNode : node) as Node | null;
}

export function issueAt(
  source: SourceFile,
  path: readonly PathSeg[],
  message: string,
  opts: { key?: boolean; severity?: 'error' | 'warning' } = {},
): ConfigIssue {
  const node = nodeAt(source, path, opts.key);
  const offset = node?.range?.[0] ?? 0;
  const pos = source.lines.linePos(offset);
  return {
    file: source.file,
    line: pos.line,
    col: pos.col,
    path: formatPath(path),
    message,
    severity: opts.severity ?? 'error',
  };
}
