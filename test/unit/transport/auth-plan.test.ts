import { describe, expect, it } from 'vitest';
import { planAuth } from '../../../src/transport/auth-plan.js';
import { remoteCommand } from '../../../src/transport/ssh-transport.js';

const k = (s: string) => Buffer.from(s);

describe('planAuth', () => {
  const files = [
    { path: '/inv', publicKey: k('B') },
    { path: '/cfg', publicKey: k('Z') },
    { path: '/enc' },
  ];

  it('offers agent keys named by identity files first, then other agent keys, env key, files', () => {
    expect(
      planAuth({
        agentKeys: [k('A'), k('B'), k('C')],
        envKey: true,
        identityFiles: files,
        identitiesOnly: false,
      }),
    ).toEqual([
      { kind: 'agent', keys: [1, 0, 2] },
      { kind: 'env-key' },
      { kind: 'file', path: '/cfg' },
      { kind: 'file', path: '/enc' },
    ]);
  });

  it('with IdentitiesOnly offers only agent keys of identity files', () => {
    expect(
      planAuth({
        agentKeys: [k('A'), k('B')],
        envKey: false,
        identityFiles: files,
        identitiesOnly: true,
      }),
    ).toEqual([
      { kind: 'agent', keys: [1] },
      { kind: 'file', path: '/cfg' },
      { kind: 'file', path: '/enc' },
    ]);
  });

  it('without an agent goes straight to the env key and files', () => {
    expect(
      planAuth({ envKey: true, identityFiles: [{ path: '/a' }], identitiesOnly: false }),
    ).toEqual([{ kind: 'env-key' }, { kind: 'file', path: '/a' }]);
    expect(
      planAuth({ agentKeys: [], envKey: false, identityFiles: [], identitiesOnly: false }),
    ).toEqual([]);
  });
});

describe('remoteCommand', () => {
  it('wraps quoted argv in timeout -k on the target', () => {
    expect(remoteCommand(['docker', 'ps', '--format', '{{json .}}'], 300_000)).toBe(
      "timeout -k 5 300 docker ps --format '{{json .}}'",
    );
    expect(remoteCommand(['sleep', '1'], 1500)).toBe('timeout -k 5 1.5 sleep 1');
    expect(remoteCommand(['echo', "it's $(x)"], 0)).toBe("echo 'it'\\''s $(x)'");
    expect(remoteCommand(['echo', 'a\nb'], 0)).toBe(`echo 'a'"$N"'b'`);
  });
});
