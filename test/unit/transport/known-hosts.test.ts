import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostsLine,
  hostFieldMatches,
  hostKeyAlgorithms,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const b = Buffer.from(body);
  const len = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32BE(n);
    return x;
  };
  return Buffer.concat([len(t.length), t, len(b.length), b]);
}
const ED_A = blob('ssh-ed25519', 'A'.repeat(32));
const ED_B = blob('ssh-ed25519', 'B'.repeat(32));
const RSA = blob('ssh-rsa', 'rsa-key-body');
const b64 = (k: Buffer) => k.toString('base64');

function hashed(name: string, salt = Buffer.from('0123456789abcdef0123')): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts lookup name', () => {
  it('uses [addr]:port off port 22 and the alias verbatim', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
    expect(knownHostsName('10.0.0.1', 2222, 'web-alias')).toBe('web-alias');
  });
});

describe('host field matching', () => {
  it.each([
    ['host-1', 'host-1', true],
    ['HOST-1', 'host-1', true],
    ['a,host-1,b', 'host-1', true],
    ['host-*', 'host-12', true],
    ['host-?', 'host-12', false],
    ['host-?', 'host-1', true],
    ['*.example.com,!bad.example.com', 'bad.example.com', false],
    ['*.example.com,!bad.example.com', 'good.example.com', true],
    ['!bad.example.com', 'other', false],
    ['[10.0.0.1]:2222', '[10.0.0.1]:2222', true],
    ['10.0.0.1', '[10.0.0.1]:2222', false],
    ['[10.0.0.*]:2222', '[10.0.0.9]:2222', true],
    ['host.1', 'hostx1', false],
  ])('%s vs %s → %s', (field, name, expected) => {
    expect(hostFieldMatches(field, name)).toBe(expected);
  });

  it('matches hashed entries by HMAC-SHA1 of the name', () => {
    expect(hostFieldMatches(hashed('[127.0.0.1]:2222'), '[127.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches(hashed('[127.0.0.1]:2222'), '127.0.0.1')).toBe(false);
    expect(hostFieldMatches('|1|bad', 'x')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const file = [
    '# comment',
    '',
    `host-1,10.0.0.1 ssh-ed25519 ${b64(ED_A)} root@x`,
    `${hashed('[10.0.0.2]:2222')} ssh-ed25519 ${b64(ED_A)}`,
    `@revoked * ssh-ed25519 ${b64(ED_B)}`,
    `@cert-authority *.ca.example ssh-ed25519 ${b64(ED_A)}`,
    `rsa-host ssh-rsa ${b64(RSA)}`,
    '@unknown-marker host-9 ssh-ed25519 AAAA',
    'garbage-line',
  ].join('\n');
  const entries = parseKnownHosts(file, '/kh');

  it('parses entries with their file and line', () => {
    expect(entries).toHaveLength(5);
    expect(entries[0]).toMatchObject({
      file: '/kh',
      line: 3,
      hosts: 'host-1,10.0.0.1',
      keyType: 'ssh-ed25519',
    });
    expect(entries[2]!.marker).toBe('revoked');
  });

  it('accepts a matching plain or hashed entry', () => {
    expect(checkHostKey(entries, '10.0.0.1', ED_A).kind).toBe('ok');
    expect(checkHostKey(entries, '[10.0.0.2]:2222', ED_A).kind).toBe('ok');
  });

  it('reports unknown hosts', () => {
    expect(checkHostKey(entries, 'nowhere', ED_A).kind).toBe('unknown');
    expect(checkHostKey(entries, '10.0.0.2', ED_A).kind).toBe('unknown');
  });

  it('reports a different key as changed, also of another type', () => {
    const changed = checkHostKey(entries, 'rsa-host', ED_A);
    expect(changed.kind).toBe('changed');
    expect(checkHostKey(parseKnownHosts(`h ssh-ed25519 ${b64(ED_A)}`, 'f'), 'h', ED_B).kind).toBe(
      'changed',
    );
  });

  it('refuses revoked keys even when also listed as known', () => {
    const list = parseKnownHosts(
      `h ssh-ed25519 ${b64(ED_B)}\n@revoked h ssh-ed25519 ${b64(ED_B)}`,
      'f',
    );
    expect(checkHostKey(list, 'h', ED_B).kind).toBe('revoked');
  });

  it('reports hosts known only through @cert-authority', () => {
    expect(checkHostKey(entries, 'www.ca.example', ED_A).kind).toBe('cert-only');
  });

  it('lists known key types for algorithm ordering', () => {
    expect(knownKeyTypes(entries, 'rsa-host')).toEqual(['ssh-rsa']);
    const defaults = [
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ];
    expect(hostKeyAlgorithms(['ssh-rsa'], defaults)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
    ]);
    expect(hostKeyAlgorithms(['ecdsa-sha2-nistp256'], defaults)[0]).toBe('ecdsa-sha2-nistp256');
    expect(hostKeyAlgorithms([], defaults)).toEqual(defaults);
  });
});

describe('fingerprint and key type', () => {
  it('formats SHA256 base64 without padding, like ssh-keygen -l', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const key = blob('ssh-ed25519', raw.toString('latin1'));
    const expected = createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
    expect(fingerprint(key)).toBe(`SHA256:${expected}`);
    expect(fingerprint(key)).not.toContain('=');
    expect(fingerprint(key)).toHaveLength(7 + 43);
  });

  it('reads the type out of the blob', () => {
    expect(keyTypeOf(RSA)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.alloc(2))).toBe('unknown');
  });

  it('formats one line to append', () => {
    expect(formatKnownHostsLine('[h]:2222', ED_A)).toBe(`[h]:2222 ssh-ed25519 ${b64(ED_A)}\n`);
  });
});
