/**
 * Checks on every string of a parsed, interpolated document, wherever it sits: control
 * characters (SPEC §4: OpenSSH drops a connection whose exec request holds a NUL) and
 * secret values that reached a plain field (SPEC §6). They run before the schema, so a
 * field the schema does not know yet is covered too.
 */
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { ConfigIssue } from '../shared/errors.js';
import type { Secrets } from '../shared/secret.js';
import { issueAt, type PathSeg, type SourceFile } from './source.js';

/** Calls `fn` for each string key and string value scalar, with its path. */
function eachString(
  source: SourceFile,
  fn: (text: string, path: PathSeg[], key: boolean) => void,
): void {
  const visit = (node: unknown, path: PathSeg[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (typeof pair.key.value === 'string') fn(key, [...path, key], true);
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string') {
      fn(node.value, path, false);
    }
  };
  visit(source.doc.contents, []);
}

// C0 controls other than tab (U+0009) and newline (U+000A).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f]/;
const CONTROL_NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'BS',
  0x0b: 'VT',
  0x0c: 'FF',
  0x0d: 'CR',
  0x1b: 'ESC',
};

export function controlCharacterIssues(source: SourceFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  eachString(source, (text, path, key) => {
    const m = CONTROL.exec(text);
    if (!m) return;
    const code = m[0].charCodeAt(0);
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    const name = CONTROL_NAMES[code] ? ` (${CONTROL_NAMES[code]})` : '';
    issues.push(
      issueAt(
        source,
        path,
        `contains the control character U+${hex}${name}: only tab and newline are allowed`,
        { key },
      ),
    );
  });
  return issues;
}

/** Values shorter than this match ordinary text; they are refused as secrets (see project.ts). */
export const MIN_SECRET_LENGTH = 4;

/**
 * A plain field that holds a secret's value, however it got there (another variable of the
 * same value, a literal copy): it would reach argv, labels, the plan and the ledger.
 * Names the secret, never the value.
 */
export function secretValueIssues(source: SourceFile, secrets: Secrets): ConfigIssue[] {
  const guarded = Object.values(secrets)
    .flatMap((s) => (s ? [{ name: s.name, value: s.reveal() }] : []))
    .filter((s) => s.value.length >= MIN_SECRET_LENGTH);
  if (guarded.length === 0) return [];
  const issues: ConfigIssue[] = [];
  eachString(source, (text, path, key) => {
    const hit = guarded.find((s) => text.includes(s.value));
    if (hit)
      issues.push(
        issueAt(
          source,
          path,
          `holds the value of secret ${hit.name}: it would leak into argv and the ledger`,
          { key },
        ),
      );
  });
  return issues;
}
