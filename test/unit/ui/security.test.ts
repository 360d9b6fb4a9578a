import { describe, expect, it } from 'vitest';
import {
  CSP,
  SECURITY_HEADERS,
  allowedHosts,
  hostAllowed,
  isLoopback,
  methodAllowed,
  parseListen,
  presentedTokens,
  sameOriginPath,
  tokenAccepted,
  tokenCookieName,
} from '../../../src/ui/security.js';
import { UsageError } from '../../../src/shared/errors.js';

describe('methods', () => {
  it.each(['GET', 'HEAD'])('%s is served', (m) => expect(methodAllowed(m)).toBe(true));
  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'get', undefined])(
    '%s is refused',
    (m) => expect(methodAllowed(m)).toBe(false),
  );
});

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:7070', '127.0.0.1', 7070],
    ['localhost:8080', '127.0.0.1', 8080],
    ['[::1]:9000', '::1', 9000],
    ['::1', '::1', 7070],
    ['0.0.0.0:80', '0.0.0.0', 80],
    [':7071', '127.0.0.1', 7071],
    ['7072', '127.0.0.1', 7072],
    ['10.1.2.3', '10.1.2.3', 7070],
  ])('%s', (text, host, port) => expect(parseListen(text)).toEqual({ host, port }));
  it.each(['example.com:80', '127.0.0.1:x', '127.0.0.1:70000', 'evil.localhost:1'])(
    'refuses %s',
    (text) => expect(() => parseListen(text)).toThrow(UsageError),
  );
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.5.6.7', '::1', 'localhost', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (h) => expect(isLoopback(h)).toBe(true),
  );
  it.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1'])('%s is not', (h) =>
    expect(isLoopback(h)).toBe(false),
  );
});

describe('Host header check', () => {
  const allowed = allowedHosts({ host: '127.0.0.1', port: 7070 });
  it.each(['127.0.0.1:7070', 'localhost:7070', 'LOCALHOST:7070', '[::1]:7070'])('accepts %s', (h) =>
    expect(hostAllowed(h, allowed)).toBe(true),
  );
  it.each([
    undefined,
    '',
    '127.0.0.1',
    'localhost',
    '127.0.0.1:7071',
    'evil.example:7070',
    'localhost.evil.example:7070',
    '127.0.0.1:7070.evil',
    '127.0.0.2:7070',
  ])('refuses %s', (h) => expect(hostAllowed(h, allowed)).toBe(false));

  it('accepts the listen address itself, and a wildcard listen accepts the machine addresses only', () => {
    expect(hostAllowed('127.0.0.9:81', allowedHosts({ host: '127.0.0.9', port: 81 }))).toBe(true);
    const wild = allowedHosts({ host: '0.0.0.0', port: 81 }, ['10.0.0.5', 'fe80::1']);
    expect(hostAllowed('10.0.0.5:81', wild)).toBe(true);
    expect(hostAllowed('[fe80::1]:81', wild)).toBe(true);
    expect(hostAllowed('rebind.example:81', wild)).toBe(false);
  });
});

describe('token', () => {
  const q = (s: string) => new URLSearchParams(s);
  it('is not needed without --public', () => expect(tokenAccepted([], undefined)).toBe(true));
  it('is read from Bearer, ?token= and the cookie', () => {
    expect(presentedTokens({ authorization: 'Bearer abc', query: q('') })).toEqual(['abc']);
    expect(presentedTokens({ query: q('token=def') })).toEqual(['def']);
    expect(presentedTokens({ cookie: 'x=1; deploy_ui_token=ghi; y=2', query: q('') })).toEqual([
      'ghi',
    ]);
    expect(
      presentedTokens({ authorization: 'Basic abc', cookie: 'other=abc', query: q('tok=abc') }),
    ).toEqual([]);
  });
  it('accepts only the exact token', () => {
    expect(tokenAccepted(['secret-token'], 'secret-token')).toBe(true);
    expect(tokenAccepted([], 'secret-token')).toBe(false);
    expect(tokenAccepted(['secret-toke'], 'secret-token')).toBe(false);
    expect(tokenAccepted(['secret-token2'], 'secret-token')).toBe(false);
    expect(tokenAccepted(['wrong', 'secret-token'], 'secret-token')).toBe(true);
  });
});

describe('headers', () => {
  it('set the strict CSP and no CORS header', () => {
    expect(CSP).toBe(
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
    expect(SECURITY_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(
      Object.keys(SECURITY_HEADERS).some((k) => k.toLowerCase().startsWith('access-control')),
    ).toBe(false);
  });
});

describe('same-origin paths (issue 15 item 11: no open redirect)', () => {
  it.each([
    ['/', '/'],
    ['/hosts', '/hosts'],
    ['//evil.com', '/evil.com'],
    ['///evil.com/x', '/evil.com/x'],
    ['/\\evil.com', '/evil.com'],
    ['/\\/evil.com', '/evil.com'],
    ['/history//shop/web', '/history/shop/web'],
    ['evil.com', '/evil.com'],
    ['/%2F%2Fevil.com', '/%2F%2Fevil.com'],
  ])('%s -> %s', (input, out) => {
    expect(sameOriginPath(input)).toBe(out);
    expect(sameOriginPath(input)).toMatch(/^\/(?![/\\])/);
  });

  it('the token cookie is named per port and read by that name only', () => {
    expect(tokenCookieName(7070)).toBe('deploy_ui_token_7070');
    const query = new URLSearchParams('');
    const cookie = 'deploy_ui_token_7070=a; deploy_ui_token_7071=b';
    expect(presentedTokens({ cookie, query, cookieName: tokenCookieName(7071) })).toEqual(['b']);
  });
});
