/**
 * Imports run one way (STYLE §11): bin → cli/ui → tasks → (inventory, remote-docker,
 * transport, ledger, notify) → shared. A module may import its own layer or lower ones.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const RANK: Record<string, number> = {
  shared: 0,
  inventory: 1,
  'remote-docker': 1,
  transport: 1,
  ledger: 1,
  notify: 2,
  tasks: 3,
  ui: 4,
  cli: 5,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!;

test('every src module imports only its own layer or lower ones', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    expect(RANK[from], `unknown layer ${from}`).toBeDefined();
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      const to = layerOf(target);
      if (to !== from && RANK[to]! > RANK[from]!)
        violations.push(`${relative(SRC, file)} → ${m[1]}`);
    }
  }
  expect(violations).toEqual([]);
});

test('core layers never print: only src/cli and src/ui write to the terminal', () => {
  const printing: string[] = [];
  for (const file of files(SRC)) {
    if (['cli', 'ui'].includes(layerOf(file))) continue;
    if (
      /console\.(log|error|warn)|process\.(stdout|stderr)\.write/.test(readFileSync(file, 'utf8'))
    ) {
      printing.push(relative(SRC, file));
    }
  }
  expect(printing).toEqual([]);
});
