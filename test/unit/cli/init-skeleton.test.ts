import { describe, expect, it } from 'vitest';
import { gitignoreAppend, serviceNameFor } from '../../../src/cli/init-skeleton.js';
import { jsonSchema } from '../../../src/inventory/json-schema.js';

describe('deploy init skeleton', () => {
  it('turns a directory name into a valid service name', () => {
    expect(serviceNameFor('My Shop.io')).toBe('my-shop-io');
    expect(serviceNameFor('__x__')).toBe('x');
    expect(serviceNameFor('日本')).toBe('app');
    expect(serviceNameFor('a'.repeat(80))).toHaveLength(63);
  });
  it('appends only missing .gitignore lines', () => {
    expect(gitignoreAppend('node_modules', '.secrets/\n')).toBe('\n.secrets/\n');
    expect(gitignoreAppend('.secrets/\n', '.secrets/\n')).toBe('');
  });
  it('schemas accept ${…} where a number is wanted', () => {
    const s = JSON.stringify(jsonSchema('inventory'));
    expect(s).toContain('^\\\\$\\\\{[^}]+\\\\}$');
  });
});
