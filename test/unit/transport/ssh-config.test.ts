import { describe, expect, it } from 'vitest';
import {
  hostEndpoint,
  jumpEndpoint,
  type EndpointContext,
} from '../../../src/transport/endpoint.js';
import { expandPath, parseJumpSpec, resolveSshConfig } from '../../../src/transport/ssh-config.js';
import type { TransportHost } from '../../../src/transport/types.js';

const CONFIG = `
Host 10.0.0.5
  HostName real.example
  Port 2222
  User carol
  IdentityFile ~/.ssh/id_%h
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/kh1 ~/.ssh/kh2
  ProxyJump bastion,u@b2:2200
  ConnectTimeout 7
  HostKeyAlias five
Host web-*
  user alice
  identityfile ~/.ssh/web
  ServerAliveInterval 5
  ServerAliveCountMax 2
Host nojump
  ProxyJump none
Host *
  User bob
  IdentityFile ~/.ssh/everyone
`;

const ctx: EndpointContext = {
  home: '/home/me',
  localUser: 'me',
  sshConfig: CONFIG,
  systemKnownHosts: '/etc/ssh/ssh_known_hosts',
  hostNames: new Set(['bastion-inv', 'h']),
};

function spec(over: Partial<TransportHost> = {}): TransportHost {
  return {
    name: 'h',
    address: '10.0.0.5',
    user: 'deploy',
    port: 22,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000,
    ...over,
  };
}

describe('resolveSshConfig', () => {
  it('takes the first value per keyword, all identity files, case-insensitive keywords', () => {
    const r = resolveSshConfig(CONFIG, 'web-1');
    expect(r.user).toBe('alice');
    expect(r.identityFiles).toEqual(['~/.ssh/web', '~/.ssh/everyone']);
    expect(r.serverAliveIntervalMs).toBe(5000);
    expect(r.serverAliveCountMax).toBe(2);
    expect(r.proxyJump).toEqual([]);
  });

  it('reads HostName, Port, ProxyJump hops, known hosts files and alias', () => {
    const r = resolveSshConfig(CONFIG, '10.0.0.5');
    expect(r).toMatchObject({
      hostName: 'real.example',
      port: 2222,
      user: 'carol',
      identitiesOnly: true,
      proxyJump: ['bastion', 'u@b2:2200'],
      userKnownHostsFiles: ['~/.ssh/kh1', '~/.ssh/kh2'],
      connectTimeoutMs: 7000,
      hostKeyAlias: 'five',
    });
    expect(resolveSshConfig(CONFIG, 'nojump').proxyJump).toEqual([]);
    expect(resolveSshConfig(undefined, 'x')).toMatchObject({ identityFiles: [], proxyJump: [] });
  });

  it('expands ~ and % tokens', () => {
    expect(expandPath('~/.ssh/%h_%p_%r_%u_%%', ctx, { hostName: 'a', port: 2, user: 'r' })).toBe(
      '/home/me/.ssh/a_2_r_me_%',
    );
    expect(expandPath('/abs/~x', ctx, { hostName: 'a', port: 2, user: 'r' })).toBe('/abs/~x');
  });

  it.each([
    ['bastion', { host: 'bastion' }],
    ['u@b2:2200', { user: 'u', host: 'b2', port: 2200 }],
    ['ssh://u@b2', { user: 'u', host: 'b2' }],
    ['u@[::1]:22', { user: 'u', host: '::1', port: 22 }],
    ['bad spec', undefined],
  ])('parses jump %s', (text, expected) => {
    expect(parseJumpSpec(text)).toEqual(expected);
  });
});

describe('hostEndpoint', () => {
  it('lets inventory values win over ssh config', () => {
    const e = hostEndpoint(
      spec({ port: 2200, identityFile: '/keys/inv', knownHosts: '/repo/kh', jump: 'bastion-inv' }),
      ctx,
    );
    expect(e).toMatchObject({
      id: 'h',
      address: 'real.example',
      port: 2200,
      user: 'deploy',
      connectTimeoutMs: 10_000,
      knownHostsFiles: ['/repo/kh', '/etc/ssh/ssh_known_hosts'],
      knownHostsName: 'five',
      jumps: [{ kind: 'host', name: 'bastion-inv' }],
    });
    expect(e.identityFiles).toEqual([
      '/keys/inv',
      '/home/me/.ssh/id_real.example',
      '/home/me/.ssh/everyone',
    ]);
    expect(e.explicitIdentities).toBe(3);
  });

  it('fills what the inventory left unset from ssh config', () => {
    const e = hostEndpoint(spec({ unsetInInventory: ['user', 'port', 'connectTimeoutMs'] }), ctx);
    expect(e).toMatchObject({ user: 'carol', port: 2222, connectTimeoutMs: 7000 });
    expect(e.knownHostsFiles).toEqual([
      '/home/me/.ssh/kh1',
      '/home/me/.ssh/kh2',
      '/etc/ssh/ssh_known_hosts',
    ]);
    expect(e.jumps).toEqual([
      { kind: 'adhoc', spec: 'bastion' },
      { kind: 'adhoc', spec: 'u@b2:2200' },
    ]);
  });

  it('uses OpenSSH default key names only when none is configured', () => {
    const e = hostEndpoint(spec({ address: 'plain' }), { ...ctx, sshConfig: '' });
    expect(e.identityFiles).toEqual([
      '/home/me/.ssh/id_ed25519',
      '/home/me/.ssh/id_ecdsa',
      '/home/me/.ssh/id_rsa',
    ]);
    expect(e.explicitIdentities).toBe(0);
    expect(e.knownHostsName).toBe('plain');
    expect(e.knownHostsFiles[0]).toBe('/home/me/.ssh/known_hosts');
    expect(e.keepaliveIntervalMs).toBe(15_000);
    expect(e.keepaliveCountMax).toBe(3);
  });

  it('treats a non-inventory jump as user@addr:port with the host’s known_hosts', () => {
    const e = hostEndpoint(spec({ address: 'plain', port: 2222, jump: 'ops@10.9.9.9:2201' }), ctx);
    expect(e.knownHostsName).toBe('[plain]:2222');
    const hop = jumpEndpoint('ops@10.9.9.9:2201', e, ctx)!;
    expect(hop).toMatchObject({
      address: '10.9.9.9',
      port: 2201,
      user: 'ops',
      jumps: [],
      knownHostsFiles: e.knownHostsFiles,
    });
    expect(hop.knownHostsName).toBe('[10.9.9.9]:2201');
    expect(jumpEndpoint('not a spec', e, ctx)).toBeUndefined();
  });
});
