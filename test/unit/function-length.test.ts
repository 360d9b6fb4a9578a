/**
 * Issue 14: no function in src/ is longer than ~80 lines without a reason written next to
 * it. A function over the limit fails here unless LONG lists it with its reason, and an
 * entry whose function has since been split fails too (remove it when you split one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const MAX_LINES = 80;

/** `file name` → why it is still longer than MAX_LINES. */
const LONG: Record<string, string> = {};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Measured {
  name: string;
  lines: number;
}

/** A function's own name, its variable's or property's, else the enclosing one's + `callback`. */
function nameOf(node: ts.Node, enclosing: string | undefined): string {
  const named = node as { name?: ts.Node };
  if (named.name && !ts.isArrowFunction(node) && !ts.isFunctionExpression(node))
    return named.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  )
    return parent.name.getText();
  return `${enclosing ?? '(top level)'} callback`;
}

/** Every function-like node with a body, named, with its length in lines (braces included). */
function functionLengths(fileName: string, text: string): Measured[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Measured[] = [];
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node, enclosing: string | undefined): void => {
    let inner = enclosing;
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      inner = nameOf(node, enclosing);
      found.push({ name: inner, lines: line(node.end) - line(node.getStart(sf)) + 1 });
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(sf, undefined);
  return found;
}

test(`no function in src is longer than ${MAX_LINES} lines unless listed with a reason`, () => {
  const tooLong = new Set<string>();
  const stillLong = new Set<string>();
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    if (text.split('\n').length <= MAX_LINES) continue; // nothing in it can be longer
    for (const f of functionLengths(file, text)) {
      const key = `${relative(SRC, file)} ${f.name}`;
      if (f.lines <= MAX_LINES) continue;
      if (key in LONG) stillLong.add(key);
      else tooLong.add(`${key} (${f.lines} lines)`);
    }
  }
  expect([...tooLong], 'split these, or list them in LONG with the reason').toEqual([]);
  // A reason for a function that was split since would excuse the next long one of that name.
  const stale = Object.keys(LONG).filter((k) => !stillLong.has(k));
  expect(stale, 'these were split: remove them from LONG').toEqual([]);
}, 60_000); // parses all of src: ~1 s, several on a loaded machine

test.each([
  { text: 'function a() {\n  return 1;\n}', measured: [{ name: 'a', lines: 3 }] },
  { text: 'const b = () => {\n\n};', measured: [{ name: 'b', lines: 3 }] },
  {
    text: 'class C {\n  m() {\n    [1].map((x) => x);\n  }\n}',
    measured: [
      { name: 'm', lines: 3 },
      { name: 'm callback', lines: 1 },
    ],
  },
  { text: 'declare function d(): void;', measured: [] },
])('functionLengths($text)', ({ text, measured }) => {
  expect(functionLengths('x.ts', text)).toEqual(measured);
});
