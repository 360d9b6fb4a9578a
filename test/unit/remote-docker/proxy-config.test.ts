/**
 * The proxy's Caddy JSON (SPEC §8.1, §8.5): a host's route table → the exact configuration.
 * Routes dial container IDs, named hosts before the catch-all, the longest path first, a
 * request no route claims is the proxy's 404, and the text is canonical.
 */
import { describe, expect, test } from 'vitest';
import {
  buildProxyConfig,
  proxyReloadArgv,
  renderProxyConfig,
  type ProxyRoute,
  type ProxySettings,
} from '../../../src/remote-docker/proxy-config.js';

const A = 'aaaaaaaaaaaa';
const B = 'bbbbbbbbbbbb';
const C = 'cccccccccccc';

const off: ProxySettings = { httpPort: 80, httpsPort: 443, tls: 'off' };

const route = (over: Partial<ProxyRoute>): ProxyRoute => ({
  service: 'shop',
  job: 'web',
  hosts: [],
  path: '/',
  port: 80,
  upstreams: [A],
  holdMs: 0,
  ...over,
});

const proxyTo = (ids: string[], port = 80, extra: Record<string, unknown> = {}) => ({
  handler: 'reverse_proxy',
  upstreams: ids.map((id) => ({ dial: `${id}:${port}` })),
  load_balancing: { selection_policy: { policy: 'round_robin' }, ...extra },
});

const NOT_FOUND = { handle: [{ handler: 'static_response', status_code: 404 }], terminal: true };

const httpOnly = (routes: unknown[]) => ({
  apps: {
    http: {
      http_port: 80,
      servers: {
        http: { listen: [':80'], routes, automatic_https: { disable: true } },
      },
    },
  },
});

describe('tls off: one HTTP server, the routes in matching order, then 404', () => {
  const cases: Array<[string, ProxyRoute[], unknown[]]> = [
    ['no route: every request is the 404', [], [NOT_FOUND]],
    [
      'the catch-all at / has no matcher and dials the container ID',
      [route({})],
      [{ handle: [proxyTo([A])], terminal: true }, NOT_FOUND],
    ],
    [
      'a Host match; a Host no job claims falls through to the 404',
      [route({ hosts: ['shop.example.com'] })],
      [
        { match: [{ host: ['shop.example.com'] }], handle: [proxyTo([A])], terminal: true },
        NOT_FOUND,
      ],
    ],
    [
      'a path prefix /api is /api and /api/…, never /apix; the path is passed unchanged',
      [route({ path: '/api', port: 8080 })],
      [
        { match: [{ path: ['/api', '/api/*'] }], handle: [proxyTo([A], 8080)], terminal: true },
        NOT_FOUND,
      ],
    ],
    [
      'a prefix ending in / matches below it only',
      [route({ path: '/static/' })],
      [{ match: [{ path: ['/static/*'] }], handle: [proxyTo([A])], terminal: true }, NOT_FOUND],
    ],
    [
      'named hosts before the catch-all, longest path first, exact names before wildcards',
      [
        route({ job: 'any', upstreams: [C] }),
        route({ job: 'wild', hosts: ['*.example.com'], upstreams: [B] }),
        route({ job: 'web', hosts: ['shop.example.com'] }),
        route({ job: 'api', hosts: ['shop.example.com'], path: '/api', upstreams: [B] }),
        route({ job: 'anyapi', path: '/api', upstreams: [C] }),
      ],
      [
        {
          match: [{ host: ['shop.example.com'], path: ['/api', '/api/*'] }],
          handle: [proxyTo([B])],
          terminal: true,
        },
        { match: [{ host: ['shop.example.com'] }], handle: [proxyTo([A])], terminal: true },
        { match: [{ host: ['*.example.com'] }], handle: [proxyTo([B])], terminal: true },
        { match: [{ path: ['/api', '/api/*'] }], handle: [proxyTo([C])], terminal: true },
        { handle: [proxyTo([C])], terminal: true },
        NOT_FOUND,
      ],
    ],
    [
      'a job with exact and wildcard names is two routes, so another exact name still wins',
      [route({ hosts: ['*.b.test', 'a.test'] })],
      [
        { match: [{ host: ['a.test'] }], handle: [proxyTo([A])], terminal: true },
        { match: [{ host: ['*.b.test'] }], handle: [proxyTo([A])], terminal: true },
        NOT_FOUND,
      ],
    ],
    [
      'several tasks on the host: round-robin over their IDs, in a stable order',
      [route({ upstreams: [C, A, B] })],
      [{ handle: [proxyTo([A, B, C])], terminal: true }, NOT_FOUND],
    ],
    [
      'hold: Caddy retries failed dials for that long, never a request that reached a container',
      [route({ holdMs: 10_000 })],
      [
        {
          handle: [proxyTo([A], 80, { try_duration: '10000ms', try_interval: '250ms' })],
          terminal: true,
        },
        NOT_FOUND,
      ],
    ],
  ];
  test.each(cases)('%s', (_name, routes, want) => {
    expect(JSON.parse(renderProxyConfig({ settings: off, routes }))).toEqual(httpOnly(want));
  });
});

describe('tls internal / acme: named hosts over HTTPS, plain HTTP redirects them', () => {
  const routes = [route({ hosts: ['shop.example.com'] }), route({ job: 'any', upstreams: [B] })];
  const servers = (redirectTo: string) => ({
    https: {
      listen: [':8443'],
      routes: [
        { match: [{ host: ['shop.example.com'] }], handle: [proxyTo([A])], terminal: true },
        NOT_FOUND,
      ],
      automatic_https: { disable_redirects: true },
    },
    http: {
      listen: [':8080'],
      routes: [
        {
          match: [{ host: ['shop.example.com'] }],
          handle: [
            {
              handler: 'static_response',
              status_code: 308,
              headers: { Location: [redirectTo] },
            },
          ],
          terminal: true,
        },
        { handle: [proxyTo([B])], terminal: true },
        NOT_FOUND,
      ],
      automatic_https: { disable: true },
    },
  });
  const cases: Array<[string, ProxySettings, unknown]> = [
    [
      'internal: Caddy’s own CA issues for the named hosts',
      { httpPort: 8080, httpsPort: 8443, tls: 'internal' },
      { module: 'internal' },
    ],
    [
      'acme: public certificates, with the account email',
      { httpPort: 8080, httpsPort: 8443, tls: 'acme', email: 'ops@example.com' },
      { module: 'acme', email: 'ops@example.com' },
    ],
  ];
  test.each(cases)('%s', (_name, settings, issuer) => {
    expect(JSON.parse(renderProxyConfig({ settings, routes }))).toEqual({
      apps: {
        http: {
          http_port: 8080,
          https_port: 8443,
          servers: servers('https://{http.request.host}:8443{http.request.uri}'),
        },
        tls: {
          automation: { policies: [{ subjects: ['shop.example.com'], issuers: [issuer] }] },
        },
      },
    });
  });

  test('on 443 the redirect names no port; without named hosts there is no tls app', () => {
    const settings: ProxySettings = { httpPort: 80, httpsPort: 443, tls: 'internal' };
    const named = buildProxyConfig({ settings, routes: [route({ hosts: ['a.test'] })] });
    expect(JSON.stringify(named)).toContain('"https://{http.request.host}{http.request.uri}"');
    const none = buildProxyConfig({ settings, routes: [route({})] });
    expect(Object.keys(none.apps as object)).toEqual(['http']);
  });
});

describe('the text', () => {
  test('is canonical: sorted keys, no blanks, the same for any order of the table', () => {
    const routes = [
      route({ hosts: ['b.test'], upstreams: [B] }),
      route({ job: 'api', hosts: ['a.test'], path: '/api' }),
    ];
    const text = renderProxyConfig({ settings: off, routes });
    expect(text).toBe(
      '{"apps":{"http":{"http_port":80,"servers":{"http":{"automatic_https":{"disable":true},' +
        '"listen":[":80"],"routes":[' +
        '{"handle":[{"handler":"reverse_proxy","load_balancing":{"selection_policy":{"policy":"round_robin"}},' +
        '"upstreams":[{"dial":"aaaaaaaaaaaa:80"}]}],"match":[{"host":["a.test"],"path":["/api","/api/*"]}],"terminal":true},' +
        '{"handle":[{"handler":"reverse_proxy","load_balancing":{"selection_policy":{"policy":"round_robin"}},' +
        '"upstreams":[{"dial":"bbbbbbbbbbbb:80"}]}],"match":[{"host":["b.test"]}],"terminal":true},' +
        '{"handle":[{"handler":"static_response","status_code":404}],"terminal":true}]}}}}}',
    );
    expect(renderProxyConfig({ settings: off, routes: [...routes].reverse() })).toBe(text);
  });

  test('the reload argv carries no config: it is stdin', () => {
    expect(proxyReloadArgv('deploy-proxy-prod')).toEqual([
      'docker',
      'exec',
      '-i',
      'deploy-proxy-prod',
      'caddy',
      'reload',
      '--config',
      '/dev/stdin',
    ]);
  });
});

describe('refused tables', () => {
  const cases: Array<[string, ProxySettings, ProxyRoute[], RegExp]> = [
    [
      'two jobs claiming one host name and path',
      off,
      [route({ hosts: ['A.test'] }), route({ job: 'other', hosts: ['a.test'] })],
      /shop\/other and shop\/web both claim a\.test \//,
    ],
    [
      'two catch-alls on one path',
      off,
      [route({}), route({ service: 'blog' })],
      /blog\/web and shop\/web both claim \(catch-all\) \//,
    ],
    [
      'a task name instead of a container ID',
      off,
      [route({ upstreams: ['shop-web-1'] })],
      /not a container ID/,
    ],
    ['a route without a container', off, [route({ upstreams: [] })], /needs a container/],
    ['a path outside the allowed characters', off, [route({ path: '/a b' })], /not a path/],
    ['a path without its leading slash', off, [route({ path: 'api' })], /not a path/],
    ['a host that is not a name', off, [route({ hosts: ['a..b'] })], /not a host name/],
    ['a wildcard in the middle', off, [route({ hosts: ['a.*.b'] })], /not a host name/],
    [
      'tls without an https port',
      { httpPort: 80, httpsPort: 0, tls: 'internal' },
      [],
      /needs an https_port/,
    ],
    ['acme without an email', { httpPort: 80, httpsPort: 443, tls: 'acme' }, [], /needs an email/],
  ];
  test.each(cases)('%s', (_name, settings, routes, message) => {
    expect(() => buildProxyConfig({ settings, routes })).toThrow(message);
  });
});
