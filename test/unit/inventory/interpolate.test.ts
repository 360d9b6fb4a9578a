import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../../src/inventory/interpolate.js';
import { loadProject } from '../../../src/inventory/index.js';
import { makeRepo } from './repo-helper.js';

const scope = {
  env: { A: 'a', EMPTY: '', DOLLAR: '${A}' },
  vars: { registry: 'reg:5000' },
  secretNames: new Set(['PW']),
  inventoryName: 'test',
};

describe('interpolateString (SPEC §7.1)', () => {
  it.each([
    ['plain', 'plain'],
    ['x${A}y', 'xay'],
    ['${MISSING:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${A:-def}', 'a'],
    ['$${A}', '${A}'],
    ['cost $5', 'cost $5'],
    ['${vars.registry}/web:1', 'reg:5000/web:1'],
    // a substituted value is never rescanned
    ['${DOLLAR}', '${A}'],
  ])('%s → %s', (input, expected) => {
    expect(interpolateString(input, scope)).toEqual({ value: expected, errors: [] });
  });

  it.each([
    ['${MISSING}', 'variable MISSING is not set (use ${MISSING:-default} for a default)'],
    ['${vars.nope}', 'variable vars.nope is not defined in inventory test'],
    [
      '${PW}',
      'secret PW cannot be interpolated into a plain field: it would leak into argv and the ledger; list it under "secrets" instead',
    ],
    ['${1bad}', 'invalid variable reference "${1bad}"'],
  ])('%s is an error', (input, message) => {
    expect(interpolateString(input, scope).errors).toEqual([message]);
  });
});

describe('interpolation in files', () => {
  it('re-reads a plain scalar that is exactly ${…} as YAML, so cpus is a number', async () => {
    const dir = makeRepo({
      'jobs/shop.yml':
        'service: shop\njobs:\n  web:\n    image: a:${TAG}\n    resources:\n      cpus: ${CPUS}\n    env: { Q: "${CPUS}" }\n    tasks: { web-1: { host: h1 } }\n',
    });
    const project = await loadProject({ dir, env: { CPUS: '1.5', TAG: '2' } });
    const spec = project.services[0]!.jobs[0]!.tasks[0]!.spec;
    expect(spec.cpus).toBe(1.5);
    expect(spec.image).toBe('a:2');
    expect(spec.env.Q).toBe('1.5');
  });
});
