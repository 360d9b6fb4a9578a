/**
 * Imports run one way (STYLE §11): bin → cli/ui → tasks → notify → (inventory,
 * remote-docker, transport, ledger) → shared. A module may import its own layer or lower
 * ones, except the forbidden pairs below; and no chain of imports between files may lead
 * back to where it started.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Floors: a layer may import only its own floor or lower ones (bar FORBIDDEN). */
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
const LAYERS = Object.keys(RANK);

/** Every pair that must never import, spelled out (most are also below the floors). */
const FORBIDDEN: ReadonlyArray<readonly [from: string, to: string, why: string]> = [
  ['transport', 'inventory', 'the transport knows hosts (TransportHost), not the config model'],
  ['transport', 'remote-docker', 'the transport runs commands; it does not know docker'],
  ['transport', 'ledger', 'the transport knows nothing of ours but shared'],
  ['remote-docker', 'transport', 'remote-docker builds commands; tasks hand them to a transport'],
  ['inventory', 'transport', 'the config model does not connect'],
  ['inventory', 'ledger', 'the config model does not record'],
  ['inventory', 'remote-docker', 'the config model does not know docker'],
  ['ledger', 'transport', 'the ledger is local files; it does not connect'],
  ['ledger', 'remote-docker', 'the ledger is local files; it does not know docker'],
  ['remote-docker', 'ledger', 'remote-docker builds commands; tasks record'],
  ['tasks', 'cli', 'use-cases take parsed options and return reports'],
  ['tasks', 'ui', 'use-cases take parsed options and return reports'],
  ...LAYERS.filter((l) => l !== 'shared').map(
    (l) => ['shared', l, 'shared depends on nothing of ours'] as const,
  ),
];

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  if (FORBIDDEN.some(([f, t]) => f === from && t === to)) return false;
  return RANK[to]! <= RANK[from]!;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!;

/** `./x.js` → the .ts file it names (or a folder's index.ts). */
function resolveImport(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
}

/** Relative imports of one file (static, dynamic, type-only and re-exports alike). */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolveImport(file, m[1]!),
  );
}

type Graph = ReadonlyMap<string, readonly string[]>;

let srcGraph: Graph | undefined;
function importGraph(): Graph {
  srcGraph ??= new Map(files(SRC).map((f) => [f, importsOf(f)]));
  return srcGraph;
}

/**
 * Every import cycle, each as `a.ts → b.ts → a.ts` (one per back edge of a depth-first
 * walk, so an acyclic graph gives none and a cyclic one at least one).
 */
function importCycles(graph: Graph, name = (f: string) => f): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...path.slice(path.indexOf(next)), next].map(name).join(' → '));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Imports that cross into a layer their file's layer may not import. */
function layerViolations(graph: Graph): string[] {
  return [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => !allowed(layerOf(file), layerOf(target)))
      .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
  );
}

describe('layers', () => {
  test('every src folder is a known layer', () => {
    const unknown = [...new Set(files(SRC).map(layerOf))].filter((l) => !(l in RANK));
    expect(unknown).toEqual([]);
  });

  test('every src module imports only what its layer may', () => {
    expect(layerViolations(importGraph())).toEqual([]);
  });

  // The check can fail: an import of each forbidden pair is reported.
  test.each(FORBIDDEN.map(([from, to, why]) => ({ from, to, why })))(
    '$from ↛ $to ($why)',
    ({ from, to }) => {
      const graph = new Map([[join(SRC, from, 'a.ts'), [join(SRC, to, 'b.ts')]]]);
      expect(layerViolations(graph)).toEqual([`${from}/a.ts → ${to}/b.ts`]);
    },
  );

  test('an import of a higher floor is reported', () => {
    const graph = new Map([[join(SRC, 'inventory/model.ts'), [join(SRC, 'tasks/deploy.ts')]]]);
    expect(layerViolations(graph)).toEqual(['inventory/model.ts → tasks/deploy.ts']);
  });
});

describe('import cycles', () => {
  test('no chain of imports between src files leads back to its start', () => {
    expect(importCycles(importGraph(), (f) => relative(SRC, f))).toEqual([]);
  });

  test.each([
    { graph: { a: ['b'], b: ['c'], c: [] }, cycles: [] },
    { graph: { a: ['a'] }, cycles: ['a → a'] },
    { graph: { a: ['b'], b: ['a'] }, cycles: ['a → b → a'] },
    { graph: { a: ['b'], b: ['c'], c: ['a'], d: ['a'] }, cycles: ['a → b → c → a'] },
    { graph: { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, cycles: [] },
    { graph: { x: ['y'], y: ['z'], z: ['y'] }, cycles: ['y → z → y'] },
  ])('importCycles($graph) = $cycles', ({ graph, cycles }) => {
    expect(importCycles(new Map(Object.entries(graph)))).toEqual(cycles);
  });

  test('type-only imports, re-exports and dynamic imports count as edges', () => {
    const from = join(SRC, 'transport/pool.ts');
    const text = [
      "import type { A } from './types.js';",
      "export { B } from '../shared/errors.js';",
      "const c = await import('./endpoint.js');",
    ].join('\n');
    expect(importsOf(from, text).map((f) => relative(SRC, f))).toEqual([
      'transport/types.ts',
      'shared/errors.ts',
      'transport/endpoint.ts',
    ]);
  });
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

/**
 * Issue 14: src/cli parses flags, opens the session, calls one use-case (src/tasks/use-cases)
 * and renders its report. The hosts, the ledger and docker are reached through src/tasks,
 * never from src/cli. A rendering-only file that must name one of their types would be
 * listed here, with its reason; none has to today.
 */
const CLI_UNREACHED = ['ledger', 'transport', 'remote-docker'];
const CLI_RENDERING_ONLY: readonly string[] = [];

function cliOrchestration(graph: Graph): string[] {
  return [...graph]
    .filter(([file]) => layerOf(file) === 'cli')
    .filter(([file]) => !CLI_RENDERING_ONLY.includes(relative(SRC, file)))
    .flatMap(([file, targets]) =>
      targets
        .filter((target) => CLI_UNREACHED.includes(layerOf(target)))
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
    );
}

describe('src/cli holds no orchestration', () => {
  test('no src/cli module imports src/ledger, src/transport or src/remote-docker', () => {
    expect(cliOrchestration(importGraph())).toEqual([]);
  });

  test.each(CLI_UNREACHED)('an import of %s from src/cli is reported', (layer) => {
    const graph = new Map([[join(SRC, 'cli/commands/x.ts'), [join(SRC, layer, 'index.ts')]]]);
    expect(cliOrchestration(graph)).toEqual([`cli/commands/x.ts → ${layer}/index.ts`]);
  });
});
