import { describe, expect, it } from 'vitest';
import { jsonSchema } from '../../../src/inventory/json-schema.js';
import { InventorySchema, ServiceSchema } from '../../../src/inventory/schema.js';
import { jsonKeyPaths, zodKeyPaths } from './json-schema-keys.js';

const kinds = [
  ['inventory', InventorySchema],
  ['job', ServiceSchema],
] as const;

describe.each(kinds)('deploy schema %s', (kind, zodSchema) => {
  const accepted = [...zodKeyPaths(zodSchema)].sort();
  const described = jsonKeyPaths(jsonSchema(kind));

  it('lists every key the loader accepts, and no other', () => {
    expect(accepted.length).toBeGreaterThan(kind === 'inventory' ? 20 : 40);
    expect([...described.keys()].sort()).toEqual(accepted);
  });

  it('documents every key', () => {
    const undocumented = accepted.filter((path) => !described.get(path)?.trim());
    expect(undocumented).toEqual([]);
  });
});
