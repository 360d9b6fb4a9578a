/** The commands deploy implements (SPEC §3), in one list the entry and the launcher share. */
export const VERBS = [
  'validate',
  'up',
  'update',
  'down',
  'plan',
  'status',
  'ui',
  'logs',
  'inspect',
  'exec',
  'stats',
  'unlock',
  'completion',
  'rollback',
  'history',
  'push',
  'init',
  'schema',
] as const;

export type Verb = (typeof VERBS)[number];
