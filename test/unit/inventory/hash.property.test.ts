import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  secretHash,
  taskHash,
  type TaskSpec,
} from '../../../src/inventory/index.js';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const map = fc.dictionary(name, fc.string({ maxLength: 12 }), { maxKeys: 5 });
const spec: fc.Arbitrary<TaskSpec> = fc.record(
  {
    image: fc.stringMatching(/^[a-z]{1,8}:[0-9]{1,3}$/),
    command: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
    env: map,
    secrets: fc
      .uniqueArray(fc.stringMatching(/^[A-Z]{1,6}$/), { maxLength: 3 })
      .map((s) => s.sort()),
    ports: fc.array(
      fc.integer({ min: 1, max: 65535 }).map((p) => `${p}:80/tcp`),
      { maxLength: 3 },
    ),
    volumes: fc.array(fc.constantFrom('/a:/a', '/b:/b:ro'), { maxLength: 2 }),
    labels: map,
    restart: fc.constantFrom('no', 'always', 'unless-stopped'),
    cpus: fc.double({ min: 0.1, max: 8, noNaN: true }),
    memoryBytes: fc.integer({ min: 1, max: 2 ** 40 }),
    network: fc.constantFrom('host', 'none', 'backend'),
  },
  { requiredKeys: ['image', 'env', 'secrets', 'ports', 'volumes', 'labels', 'restart'] },
);

/** The same object with every map's keys inserted in reverse order (as YAML reordering would). */
function reorder<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reorder) as T;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).reverse();
    return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v)])) as T;
  }
  return value;
}

describe('task hash', () => {
  it('is stable under key reordering', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const hashes = Object.fromEntries(s.secrets.map((n) => [n, secretHash('svc', n, 'v')]));
        expect(taskHash(reorder(s), reorder(hashes))).toBe(taskHash(s, hashes));
        expect(canonicalJson(reorder(s))).toBe(canonicalJson(s));
      }),
    );
  });

  it('changes when any field changes', () => {
    fc.assert(
      fc.property(
        spec,
        fc.constantFrom<keyof TaskSpec>(
          'image',
          'command',
          'env',
          'ports',
          'volumes',
          'labels',
          'restart',
          'cpus',
          'memoryBytes',
          'network',
        ),
        (s, field) => {
          const changed = { ...s, [field]: mutate(s[field]) } as TaskSpec;
          expect(taskHash(changed, {})).not.toBe(taskHash(s, {}));
        },
      ),
    );
  });

  it('changes when a secret value changes, and keyed hashes differ from unkeyed', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        const s: TaskSpec = {
          image: 'a:1',
          env: {},
          secrets: ['PW'],
          ports: [],
          volumes: [],
          labels: {},
          restart: 'no',
        };
        expect(taskHash(s, { PW: secretHash('svc', 'PW', a) })).not.toBe(
          taskHash(s, { PW: secretHash('svc', 'PW', b) }),
        );
        expect(secretHash('svc', 'PW', a, 'key')).toMatch(/^hmac-sha256:/);
        expect(secretHash('svc', 'PW', a)).toMatch(/^sha256:/);
      }),
    );
  });
});

function mutate(v: unknown): unknown {
  if (v === undefined) return 'x';
  if (typeof v === 'string') return v + 'x';
  if (typeof v === 'number') return v + 1;
  if (Array.isArray(v)) return [...v, 'x'];
  return { ...(v as object), zz_added: 'x' };
}
