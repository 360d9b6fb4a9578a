/**
 * `Secret.reveal()` is called only where a value must leave the process or be compared
 * or hashed; everything that keeps secrets out of output goes through `maskSecrets`. A
 * new caller fails here: mask with `maskSecrets`, pass the `Secret` on, or add it below
 * with the reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { maskSecrets, Secret } from '../../src/shared/secret.js';

const SRC = resolve(import.meta.dirname, '../../src');

/** file → how many reveal() calls, and why the value is needed there. */
const ALLOWED: Record<string, { calls: number; why: string }> = {
  'remote-docker/env-file.ts': { calls: 1, why: "the container's env file, over stdin" },
  'tasks/images.ts': { calls: 1, why: 'the registry password for docker login, over stdin' },
  'notify/webhook.ts': { calls: 1, why: 'the webhook URL the POST goes to' },
  'ledger/entry.ts': { calls: 1, why: 'the ledger guard: no value in any line' },
  'inventory/field-checks.ts': { calls: 1, why: 'the inventory guard: no value in a plain field' },
  'inventory/hash.ts': { calls: 2, why: 'the secret hash (SPEC §7.7) and its DEPLOY_HASH_KEY' },
  'shared/secret.ts': { calls: 1, why: 'maskSecrets, the one masking of secret values' },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `.reveal(`, `?.reveal(`, `['reveal']`: every way to reach the method by name. */
const revealCalls = (text: string): number =>
  text.match(/\.\s*reveal\b|\[\s*['"`]reveal['"`]\s*\]/g)?.length ?? 0;

test('reveal() is called only by the allowed files, as often as listed', () => {
  const found: Record<string, number> = {};
  for (const file of files(SRC)) {
    const calls = revealCalls(readFileSync(file, 'utf8'));
    if (calls) found[relative(SRC, file)] = calls;
  }
  const allowed = Object.fromEntries(Object.entries(ALLOWED).map(([f, a]) => [f, a.calls]));
  expect(found).toEqual(allowed);
});

test.each([
  { text: 'const v = secret.reveal();', calls: 1 },
  { text: "secrets[name]?.reveal() ?? ''; s['reveal']();", calls: 2 },
  { text: 'password\n  .reveal()', calls: 1 },
  { text: '/** only `reveal()` gives the value */ revealed(x);', calls: 0 },
])('revealCalls($text) = $calls', ({ text, calls }) => {
  expect(revealCalls(text)).toBe(calls);
});

test('maskSecrets masks every value of 4+ characters, longest first', () => {
  const secrets = {
    A: new Secret('A', 'abcd'),
    B: new Secret('B', 'abcdefgh'),
    C: new Secret('C', 'ab'),
    D: undefined,
  };
  expect(maskSecrets('pw=abcdefgh and abcd and ab', secrets)).toBe(
    'pw=<redacted> and <redacted> and ab',
  );
  expect(maskSecrets('nothing here', {})).toBe('nothing here');
});
