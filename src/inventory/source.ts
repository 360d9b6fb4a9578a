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
  visit,
  type Document,
  type Node,
} from 'yaml';
import { readFileSync, statSync } from 'node:fs';
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
  if (doc.errors.length === 0) {
    const expansion = expansionProblem(doc);
    if (expansion) {
      const pos = lines.linePos(expansion.offset);
      const issue = { file, line: pos.line, col: pos.col, path: '', severity: 'error' as const };
      return {
        source: { file, abs, doc, lines },
        issues: [{ ...issue, message: expansion.message }],
      };
    }
  }
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

/** Every later step reads the document as plain data; yaml's own alias cap keeps that bounded. */
export const MAX_ALIAS_COUNT = 100;

/**
 * An alias bomb (anchors of anchors) or a document nested too deeply to expand: a config
 * error at the first alias (or the top), never an exception out of a later `toJS()`.
 */
function expansionProblem(doc: Document.Parsed): { offset: number; message: string } | undefined {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return undefined;
  } catch (err) {
    const alias = /alias/i.test((err as Error).message);
    let offset = 0;
    if (alias) {
      visit(doc, {
        Alias(_key, node) {
          offset = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
    }
    return {
      offset,
      message: alias
        ? `YAML: too many aliases (more than ${MAX_ALIAS_COUNT}): refusing to expand what looks like an alias bomb`
        : 'YAML: the document is nested too deeply to read',
    };
  }
}

/** Config files are small; a bigger one is a mistake or an attack, refused before it is parsed. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads a config file, or says why not as an issue at `file:1:1`. */
export function readConfigFile(
  abs: string,
  rel: string,
  what: string,
): { text: string } | { issue: ConfigIssue } {
  const at = { file: rel, line: 1, col: 1, path: '', severity: 'error' as const };
  try {
    const size = statSync(abs).size;
    if (size > MAX_CONFIG_BYTES)
      return {
        issue: {
          ...at,
          message: `file is ${size} bytes: config files may be at most 1 MiB (${MAX_CONFIG_BYTES} bytes)`,
        },
      };
    return { text: readFileSync(abs, 'utf8') };
  } catch (err) {
    return { issue: { ...at, message: `cannot read ${what}: ${(err as Error).message}` } };
  }
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
