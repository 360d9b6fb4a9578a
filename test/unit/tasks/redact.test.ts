import { describe, expect, it } from 'vitest';
import { maskText, redactInspect, REDACTED } from '../../../src/tasks/redact.js';

const inspect = (env: string[], labels: Record<string, string> = {}) => [
  { Id: 'abc', Config: { Env: env, Labels: labels }, Args: ['--db', 'hunter2-secret'] },
];

describe('redactInspect', () => {
  it('replaces every env var named in the job secrets and masks the value elsewhere', () => {
    const r = redactInspect(
      inspect(['DB_PASSWORD=hunter2-secret', 'LOG_LEVEL=info', 'API_KEY=k=v=w']),
      ['DB_PASSWORD', 'API_KEY'],
    );
    const out = r.inspect as Array<{ Config: { Env: string[] }; Args: string[] }>;
    expect(out[0]!.Config.Env).toEqual([
      `DB_PASSWORD=${REDACTED}`,
      'LOG_LEVEL=info',
      `API_KEY=${REDACTED}`,
    ]);
    expect(out[0]!.Args).toEqual(['--db', REDACTED]);
    expect(JSON.stringify(r.inspect)).not.toContain('hunter2');
    expect(r.values).toEqual(['hunter2-secret', 'k=v=w']);
  });

  it('also redacts secrets named in the container deploy.spec label (a spec that changed since)', () => {
    const spec = JSON.stringify({
      image: 'x',
      secrets: ['OLD_TOKEN'],
      secretHashes: { OLD_TOKEN: 'sha256:..' },
    });
    const r = redactInspect(inspect(['OLD_TOKEN=abcdef'], { 'deploy.spec': spec }), []);
    expect((r.inspect as Array<{ Config: { Env: string[] } }>)[0]!.Config.Env).toEqual([
      `OLD_TOKEN=${REDACTED}`,
    ]);
  });

  it('does not touch the input and survives odd documents', () => {
    const doc = inspect(['S=value1']);
    redactInspect(doc, ['S']);
    expect(doc[0]!.Config.Env).toEqual(['S=value1']);
    expect(redactInspect(null, ['S']).inspect).toBeNull();
    expect(redactInspect([{ Config: { Env: 'nope' } }], ['S']).values).toEqual([]);
  });
});

describe('maskText', () => {
  it('masks longer values first and skips very short ones', () => {
    expect(maskText('pw=abcdefgh and abcd and ab', ['abcd', 'abcdefgh', 'ab'])).toBe(
      `pw=${REDACTED} and ${REDACTED} and ab`,
    );
  });
});
