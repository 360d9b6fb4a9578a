// The proxy's whole configuration (SPEC §8.1, §8.5): a host's route table → Caddy JSON
// (never Caddyfile text), loaded with `docker exec -i PROXY caddy reload --config /dev/stdin`
// so the config is stdin only. Pure: no I/O, no clock; equal tables give byte-equal text.
import { canonicalJson } from '../shared/canonical-json.js';

export type ProxyTls = 'off' | 'internal' | 'acme';

/** The proxy's own settings (inventory `proxy:`), as the container listens on them. */
export interface ProxySettings {
  httpPort: number;
  /** 0: no HTTPS listener (then `tls` must be `off`). */
  httpsPort: number;
  tls: ProxyTls;
  /** ACME account email; required with `tls: acme`. */
  email?: string;
}

/** One entry of a host's route table: one proxied job's tasks on that host. */
export interface ProxyRoute {
  service: string;
  job: string;
  /** Host names (RFC 1123 or `*.name`); empty: the catch-all route. */
  hosts: readonly string[];
  /** Path prefix, `^/[A-Za-z0-9._~/-]*$`; `/api` serves `/api` and `/api/…`, not `/apix`. */
  path: string;
  /** The container port traffic goes to. */
  port: number;
  /** The serving containers' IDs (docker's alias on the `deploy` network), round-robin. */
  upstreams: readonly string[];
  /** The proxy health check's path (run by deploy from inside the proxy, not by Caddy). */
  health?: string;
  /** How long the proxy waits for a connectable upstream (dial failures only); 0: never. */
  holdMs: number;
}

export interface ProxyTable {
  settings: ProxySettings;
  routes: readonly ProxyRoute[];
}

const HOST_NAME =
  /^(\*\.)?(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ROUTE_PATH = /^\/[A-Za-z0-9._~/-]*$/;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

/** The argv that loads a config into the running proxy; the config goes on stdin. */
export function proxyReloadArgv(container: string): string[] {
  return ['docker', 'exec', '-i', container, 'caddy', 'reload', '--config', '/dev/stdin'];
}

/** The Caddy JSON text for a host's route table (canonical: sorted keys, no blanks). */
export function renderProxyConfig(table: ProxyTable): string {
  return canonicalJson(buildProxyConfig(table));
}

/** A Caddy route: match, handler chain, terminal. */
interface CaddyRoute {
  match?: Array<{ host?: string[]; path?: string[] }>;
  handle: Array<Record<string, unknown>>;
  terminal: true;
}

export function buildProxyConfig(table: ProxyTable): Record<string, unknown> {
  const { settings } = table;
  checkSettings(settings);
  const parts = table.routes.flatMap(routeParts);
  checkClaims(parts);
  parts.sort(comparePart);
  const named = parts.filter((p) => p.hosts.length > 0);
  const catchAll = parts.filter((p) => p.hosts.length === 0);
  const notFound: CaddyRoute = {
    handle: [{ handler: 'static_response', status_code: 404 }],
    terminal: true,
  };
  if (settings.tls === 'off') {
    return httpApp(settings, {
      http: {
        listen: [`:${settings.httpPort}`],
        routes: [...parts.map(caddyRoute), notFound],
        automatic_https: { disable: true },
      },
    });
  }
  const names = [...new Set(named.flatMap((p) => p.hosts))].sort();
  const config = httpApp(settings, {
    // Named hosts over HTTPS (Caddy manages their certificates); the redirect is ours.
    https: {
      listen: [`:${settings.httpsPort}`],
      routes: [...named.map(caddyRoute), notFound],
      automatic_https: { disable_redirects: true },
    },
    // Plain HTTP: named hosts are sent to HTTPS, the catch-all is served as is.
    http: {
      listen: [`:${settings.httpPort}`],
      routes: [
        ...(names.length ? [redirect(names, settings.httpsPort)] : []),
        ...catchAll.map(caddyRoute),
        notFound,
      ],
      automatic_https: { disable: true },
    },
  });
  if (names.length === 0) return config;
  const issuer =
    settings.tls === 'internal'
      ? { module: 'internal' }
      : { module: 'acme', email: settings.email };
  return {
    ...config,
    apps: {
      ...(config.apps as Record<string, unknown>),
      tls: { automation: { policies: [{ subjects: names, issuers: [issuer] }] } },
    },
  };
}

function httpApp(
  settings: ProxySettings,
  servers: Record<string, unknown>,
): Record<string, unknown> {
  const ports =
    settings.tls === 'off'
      ? { http_port: settings.httpPort }
      : { http_port: settings.httpPort, https_port: settings.httpsPort };
  return { apps: { http: { ...ports, servers } } };
}

function checkSettings(s: ProxySettings): void {
  for (const [name, port] of [
    ['http_port', s.httpPort],
    ['https_port', s.httpsPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 0 || port > 65535 || (name === 'http_port' && port === 0))
      throw new Error(`proxy ${name} ${port} is not a port`);
  }
  if (s.tls !== 'off' && s.httpsPort === 0)
    throw new Error(`proxy tls: ${s.tls} needs an https_port (it is 0)`);
  if (s.tls === 'acme' && !s.email) throw new Error('proxy tls: acme needs an email');
}

/** A route split by host kind, so exact names sort before wildcards at equal path length. */
interface RoutePart {
  route: ProxyRoute;
  hosts: string[];
  wildcard: boolean;
}

function routeParts(route: ProxyRoute): RoutePart[] {
  const where = `${route.service}/${route.job}`;
  for (const h of route.hosts)
    if (!HOST_NAME.test(h))
      throw new Error(`${where}: proxy host ${JSON.stringify(h)} is not a host name`);
  if (!ROUTE_PATH.test(route.path))
    throw new Error(`${where}: proxy path ${JSON.stringify(route.path)} is not a path`);
  if (!Number.isInteger(route.port) || route.port < 1 || route.port > 65535)
    throw new Error(`${where}: proxy port ${route.port} is not a port`);
  if (route.upstreams.length === 0) throw new Error(`${where}: a route needs a container`);
  for (const id of route.upstreams)
    if (!CONTAINER_ID.test(id))
      throw new Error(`${where}: ${JSON.stringify(id)} is not a container ID`);
  if (route.hosts.length === 0) return [{ route, hosts: [], wildcard: false }];
  const exact = route.hosts.filter((h) => !h.startsWith('*.'));
  const wild = route.hosts.filter((h) => h.startsWith('*.'));
  return [
    ...(exact.length ? [{ route, hosts: [...new Set(exact)].sort(), wildcard: false }] : []),
    ...(wild.length ? [{ route, hosts: [...new Set(wild)].sort(), wildcard: true }] : []),
  ];
}

/** Two routes claiming one host name (or the catch-all) with one path is a config error. */
function checkClaims(parts: readonly RoutePart[]): void {
  const seen = new Map<string, string>();
  for (const p of parts) {
    const who = `${p.route.service}/${p.route.job}`;
    for (const host of p.hosts.length ? p.hosts.map((h) => h.toLowerCase()) : ['(catch-all)']) {
      const key = `${host} ${p.route.path}`;
      const other = seen.get(key);
      if (other !== undefined && other !== who)
        throw new Error(`${who} and ${other} both claim ${host} ${p.route.path}`);
      seen.set(key, who);
    }
  }
}

/** Named hosts before the catch-all, then the longest path, exact names before wildcards. */
function comparePart(a: RoutePart, b: RoutePart): number {
  return (
    Number(a.hosts.length === 0) - Number(b.hosts.length === 0) ||
    b.route.path.length - a.route.path.length ||
    Number(a.wildcard) - Number(b.wildcard) ||
    compare(a.route.path, b.route.path) ||
    compare(a.hosts.join(','), b.hosts.join(',')) ||
    compare(`${a.route.service}/${a.route.job}`, `${b.route.service}/${b.route.job}`)
  );
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `/` matches everything; `/api` is `/api` and `/api/…`; `/api/` is `/api/…`. */
function pathMatch(path: string): string[] | undefined {
  if (path === '/') return undefined;
  return path.endsWith('/') ? [`${path}*`] : [path, `${path}/*`];
}

function caddyRoute(part: RoutePart): CaddyRoute {
  const { route } = part;
  const path = pathMatch(route.path);
  const matcher = { ...(part.hosts.length ? { host: part.hosts } : {}), ...(path ? { path } : {}) };
  const proxy: Record<string, unknown> = {
    handler: 'reverse_proxy',
    // The path reaches the container unchanged; several tasks are served round-robin.
    upstreams: [...new Set(route.upstreams)].sort().map((id) => ({ dial: `${id}:${route.port}` })),
    load_balancing: {
      selection_policy: { policy: 'round_robin' },
      // Caddy retries only dials that failed (no request reached a container) and only
      // within try_duration: 0 is no retry at all.
      ...(route.holdMs > 0 ? { try_duration: `${route.holdMs}ms`, try_interval: '250ms' } : {}),
    },
  };
  return {
    ...(Object.keys(matcher).length ? { match: [matcher] } : {}),
    handle: [proxy],
    terminal: true,
  };
}

function redirect(names: string[], httpsPort: number): CaddyRoute {
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return {
    match: [{ host: names }],
    handle: [
      {
        handler: 'static_response',
        status_code: 308,
        headers: { Location: [`https://{http.request.host}${port}{http.request.uri}`] },
      },
    ],
    terminal: true,
  };
}
