/**
 * The dashboard's security rules (SPEC §6) as pure functions, so each one is unit-tested
 * apart from the server: methods, the Host header (DNS rebinding), the access token of
 * `--public`, and the headers every response carries.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { UsageError } from '../shared/errors.js';

export const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Sent with every response, errors included. No CORS header is ever sent. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export const ALLOWED_METHODS = 'GET, HEAD';

export function methodAllowed(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

export interface ListenAddress {
  /** IP literal to bind (no brackets). */
  host: string;
  port: number;
}

/**
 * `ADDR` is `host:port`, `[v6]:port`, `host` (port 7070) or `:port` / `port` (127.0.0.1).
 * Only IP literals and `localhost` are taken: binding by another name would make the
 * Host check depend on DNS.
 */
export function parseListen(text: string): ListenAddress {
  const bad = (why: string) =>
    new UsageError(`invalid --listen '${text}': ${why}`, 'use ADDR:PORT, e.g. 127.0.0.1:7070');
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if (/^\d+$/.test(text)) {
    host = '';
    portText = text;
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const i = text.lastIndexOf(':');
    host = i < 0 ? text : text.slice(0, i);
    portText = i < 0 ? undefined : text.slice(i + 1);
  }
  if (host === '' || host === 'localhost') host = '127.0.0.1';
  if (isIP(host) === 0) throw bad('the address must be an IP address or localhost');
  const port = portText === undefined ? 7070 : Number(portText);
  if (portText !== undefined && !/^\d+$/.test(portText)) throw bad('the port must be a number');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad('the port must be 0-65535');
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped ? mapped[1]!.startsWith('127.') : false;
}

export function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** `host:port` as a Host header spells it (IPv6 in brackets), lower-case. */
export function hostHeaderFor(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`.toLowerCase();
}

/**
 * The Host values this server answers to: its listen address and the loopback names, each
 * with its port. A wildcard listen (`0.0.0.0`) answers to the machine's own addresses,
 * still IP literals only, so a rebinding DNS name never matches.
 */
export function allowedHosts(
  listen: ListenAddress,
  localAddresses: readonly string[] = [],
): Set<string> {
  const names = [
    'localhost',
    '127.0.0.1',
    '::1',
    listen.host,
    ...(isUnspecified(listen.host) ? localAddresses : []),
  ];
  return new Set(names.map((n) => hostHeaderFor(n, listen.port)));
}

export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!header) return false;
  return allowed.has(header.trim().toLowerCase());
}

/** The token a request carries: `Authorization: Bearer …`, `?token=…`, or the session cookie. */
export function presentedTokens(req: {
  authorization?: string | undefined;
  cookie?: string | undefined;
  query: URLSearchParams;
  /** The cookie's name (default TOKEN_COOKIE; the server uses tokenCookieName(port)). */
  cookieName?: string;
}): string[] {
  const cookieName = req.cookieName ?? TOKEN_COOKIE;
  const out: string[] = [];
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '');
  if (bearer) out.push(bearer[1]!);
  const q = req.query.get('token');
  if (q) out.push(q);
  for (const part of (req.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === cookieName && v.length) out.push(v.join('='));
  }
  return out;
}

export const TOKEN_COOKIE = 'deploy_ui_token';

/**
 * The session cookie's name for a dashboard on `port`. Browsers scope cookies by host name,
 * not port: the port in the name keeps two dashboards on one host from overwriting each
 * other's cookie (any other server on that host name still receives it; see README).
 */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

/**
 * A request path as one same-origin path: runs of `/` and `\` become one `/`, so no link or
 * redirect built from it can be scheme-relative (`//evil.com`, `/\evil.com`).
 * @example sameOriginPath('//evil.com') // '/evil.com'
 */
export function sameOriginPath(pathname: string): string {
  const collapsed = pathname.replace(/[/\\]+/g, '/');
  return collapsed.startsWith('/') ? collapsed : `/${collapsed}`;
}

/** Constant-time comparison (on digests, so lengths leak nothing either). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function tokenAccepted(presented: readonly string[], expected: string | undefined): boolean {
  if (expected === undefined) return true;
  return presented.some((p) => tokenMatches(p, expected));
}
