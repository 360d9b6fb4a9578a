import { describe, expect, test } from 'vitest';
import { REDACTED, redactInspect as redact } from '../../../src/tasks/redact.js';

const redactInspect = (doc: unknown, names: ReadonlySet<string>): unknown =>
  redact(doc, names).inspect;

const container = (env: unknown, labels: Record<string, string> = {}) => ({
  Id: 'abc',
  Name: '/s-j-t',
  Config: { Env: env, Labels: labels, Image: 'i' },
  HostConfig: { Binds: [] },
});

describe('redactInspect', () => {
  test('secret env values become <redacted>; other vars, names and the rest stay', () => {
    const doc = [
      container([
        'DB_PASSWORD=hunter2=with=equals',
        'LOG_LEVEL=info',
        'DB_PASSWORD_HINT=not-a-secret',
        'API_KEY=',
      ]),
    ];
    const out = redactInspect(doc, new Set(['DB_PASSWORD', 'API_KEY'])) as ReturnType<
      typeof container
    >[];
    expect(out[0]!.Config.Env).toEqual([
      `DB_PASSWORD=${REDACTED}`,
      'LOG_LEVEL=info',
      'DB_PASSWORD_HINT=not-a-secret',
      `API_KEY=${REDACTED}`,
    ]);
    expect(out[0]!.HostConfig).toEqual({ Binds: [] });
    expect(JSON.stringify(out)).not.toContain('hunter2');
    // A copy: the input is untouched.
    expect((doc[0]!.Config.Env as string[])[0]).toBe('DB_PASSWORD=hunter2=with=equals');
  });

  test("secrets named by the container's own deploy.spec label are redacted too", () => {
    const label = JSON.stringify({ image: 'i', secrets: ['OLD_TOKEN'], env: {} });
    const out = redactInspect(
      [container(['OLD_TOKEN=t0p', 'X=1'], { 'deploy.spec': label })],
      new Set(),
    ) as ReturnType<typeof container>[];
    expect(out[0]!.Config.Env).toEqual([`OLD_TOKEN=${REDACTED}`, 'X=1']);
  });

  test('odd documents pass through without throwing', () => {
    expect(redactInspect({ not: 'an array' }, new Set(['A']))).toEqual({ not: 'an array' });
    expect(redactInspect([null, { Config: null }, container(null)], new Set(['A']))).toEqual([
      null,
      { Config: null },
      container(null),
    ]);
  });
});
