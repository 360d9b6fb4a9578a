/**
 * The dashboard's HTTP server (node:http, no framework). Every request passes, in order:
 * the method check (405), the Host check (421), the token check in public mode (401), then
 * the exact-match router of routes.ts. Pages are rendered server-side; data comes from
 * DashboardData.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { DashboardData } from './dashboard-data.js';
import { sendText } from './respond.js';
import { dashboardRoutes } from './routes.js';
import {
  ALLOWED_METHODS,
  TOKEN_COOKIE,
  allowedHosts,
  hostAllowed,
  methodAllowed,
  presentedTokens,
  sameOriginPath,
  tokenAccepted,
  tokenCookieName,
  type ListenAddress,
} from './security.js';

export interface DashboardServerOptions {
  listen: ListenAddress;
  /** Set with --public: every request must carry it; logs and inspect are not served. */
  token?: string;
}

export interface DashboardServer {
  server: Server;
  /** The bound address (port resolved when 0 was asked). */
  listen: ListenAddress;
  url: string;
  close(): Promise<void>;
}

export async function startDashboard(
  data: DashboardData,
  opts: DashboardServerOptions,
): Promise<DashboardServer> {
  const gate = { allowed: new Set<string>(), token: opts.token, cookie: TOKEN_COOKIE };
  const serve = dashboardRoutes(data, opts.token !== undefined);
  const server = createServer((req, res) => {
    const handle = async (): Promise<void> => {
      const url = admit(req, res, gate);
      if (url) await serve(url, res);
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent)
        sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  const listen = await listenOn(server, opts.listen);
  const local = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
  gate.allowed = allowedHosts(listen, local);
  gate.cookie = tokenCookieName(listen.port);
  const hostPart = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    server,
    listen,
    url: `http://${hostPart}:${listen.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The checks before any route: method, Host header, and in public mode the token (moved
 * from the query into a cookie by a redirect). Answers and returns undefined when the
 * request goes no further; otherwise returns its URL.
 */
function admit(
  req: IncomingMessage,
  res: ServerResponse,
  gate: { allowed: Set<string>; token: string | undefined; cookie: string },
): URL | undefined {
  if (!methodAllowed(req.method)) {
    res.setHeader('Allow', ALLOWED_METHODS);
    sendText(res, 405, 'method not allowed: this dashboard is read-only\n');
    return undefined;
  }
  if (!hostAllowed(req.headers.host, gate.allowed)) {
    sendText(res, 421, 'misdirected request: unexpected Host header\n');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  } catch {
    sendText(res, 400, 'bad request\n');
    return undefined;
  }
  // `/.//evil.com` parses to the path `//evil.com`: every link and redirect built from the
  // path must stay on this origin.
  url.pathname = sameOriginPath(url.pathname);
  if (gate.token === undefined) return url;
  const presented = presentedTokens({
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
    query: url.searchParams,
    cookieName: gate.cookie,
  });
  if (!tokenAccepted(presented, gate.token)) {
    sendText(
      res,
      401,
      'access token required: send `Authorization: Bearer TOKEN`, or open this address once ' +
        'with ?token=TOKEN (the token `deploy ui --public` printed)\n',
    );
    return undefined;
  }
  if (url.searchParams.has('token')) {
    // Move the token into a cookie and out of the address bar and browser history.
    res.setHeader('Set-Cookie', `${gate.cookie}=${gate.token}; HttpOnly; SameSite=Strict; Path=/`);
    url.searchParams.delete('token');
    res.setHeader('Location', sameOriginPath(url.pathname) + (url.search || ''));
    sendText(res, 303, 'see other\n');
    return undefined;
  }
  return url;
}

async function listenOn(server: Server, listen: ListenAddress): Promise<ListenAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return { host: listen.host, port: bound.port };
}
