/**
 * The dashboard's HTTP server (node:http, no framework). Every request passes, in order:
 * the method check (405), the Host check (421), the token check in public mode (401), then
 * an exact-match router. Pages are rendered server-side; data comes from DashboardData.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ASSETS } from './assets.js';
import type { DashboardData } from './dashboard-data.js';
import { html, type SafeHtml } from './html.js';
import { historyBody } from './pages/history.js';
import { hostsBody } from './pages/hosts.js';
import { layout, refreshSeconds, type PageContext } from './pages/layout.js';
import { overviewBody } from './pages/overview.js';
import { taskBody } from './pages/task.js';
import {
  ALLOWED_METHODS,
  SECURITY_HEADERS,
  TOKEN_COOKIE,
  allowedHosts,
  hostAllowed,
  methodAllowed,
  presentedTokens,
  tokenAccepted,
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

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startDashboard(
  data: DashboardData,
  opts: DashboardServerOptions,
): Promise<DashboardServer> {
  let allowed = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          'text/plain; charset=utf-8',
          `internal error: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!methodAllowed(req.method)) {
      res.setHeader('Allow', ALLOWED_METHODS);
      return send(
        res,
        405,
        'text/plain; charset=utf-8',
        'method not allowed: this dashboard is read-only\n',
      );
    }
    if (!hostAllowed(req.headers.host, allowed)) {
      return send(
        res,
        421,
        'text/plain; charset=utf-8',
        'misdirected request: unexpected Host header\n',
      );
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    }
    if (opts.token !== undefined) {
      const presented = presentedTokens({
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        query: url.searchParams,
      });
      if (!tokenAccepted(presented, opts.token)) {
        return send(
          res,
          401,
          'text/plain; charset=utf-8',
          'access token required: open the URL printed by `deploy ui --public`\n',
        );
      }
      if (url.searchParams.has('token')) {
        // Move the token into a cookie and out of the address bar and browser history.
        res.setHeader(
          'Set-Cookie',
          `${TOKEN_COOKIE}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
        );
        url.searchParams.delete('token');
        res.setHeader('Location', url.pathname + (url.search || ''));
        return send(res, 303, 'text/plain; charset=utf-8', 'see other\n');
      }
    }
    try {
      await route(url, res);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const ctx = pageContext(url);
      return sendHtml(
        res,
        err.status,
        layout(
          ctx,
          'overview',
          err.status === 404 ? 'Not found' : 'Not available',
          html`<p class="alert">${err.message}</p>`,
        ),
      );
    }
  }

  function pageContext(url: URL): PageContext {
    return {
      inventory: data.project.inventory.name,
      path: url.pathname,
      query: url.searchParams,
      refresh: refreshSeconds(url.searchParams),
      publicMode: opts.token !== undefined,
    };
  }

  async function route(url: URL, res: ServerResponse): Promise<void> {
    const asset = ASSETS.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    const parts = segments(url.pathname);
    const ctx = pageContext(url);
    const [head, ...rest] = parts;
    if (head === 'api') return api(rest, res);
    if (parts.length === 0) {
      const report = await data.status();
      return sendHtml(
        res,
        200,
        layout(ctx, 'overview', 'Overview', overviewBody(data.project, report, ctx)),
      );
    }
    if (head === 'hosts' && rest.length === 0) {
      return sendHtml(res, 200, layout(ctx, 'hosts', 'Hosts', hostsBody(await data.hosts())));
    }
    if (head === 'history' && rest.length === 2) {
      const [service, job] = names(rest);
      if (!data.hasJob(service, job))
        throw new HttpError(404, `no job ${service}/${job} in this inventory`);
      const h = await data.history(service, job);
      const diff = { a: url.searchParams.get('a'), b: url.searchParams.get('b') };
      return sendHtml(
        res,
        200,
        layout(
          ctx,
          'history',
          `History of ${service}/${job}`,
          historyBody(service, job, h.entries, h.problems, diff),
        ),
      );
    }
    if (head === 'task' && rest.length === 3) {
      const t = privateTask(rest);
      const [status, logs, inspect] = await Promise.all([
        data.status(),
        data.logs(t),
        data.inspect(t),
      ]);
      const st = status.tasks.find(
        (x) => !x.orphan && x.service === t.service && x.job === t.job && x.task === t.task,
      );
      return sendHtml(
        res,
        200,
        layout(ctx, 'task', `${t.service}/${t.job}/${t.task}`, taskBody(t, st, logs, inspect), {
          script: true,
        }),
      );
    }
    throw new HttpError(404, 'no such page');
  }

  async function api(parts: string[], res: ServerResponse): Promise<void> {
    const [head, ...rest] = parts;
    if (head === 'status' && rest.length === 0) return sendJson(res, await data.status());
    if (head === 'hosts' && rest.length === 0) return sendJson(res, { hosts: await data.hosts() });
    if (head === 'history' && rest.length === 2) {
      const [service, job] = names(rest);
      if (!data.hasJob(service, job)) throw new HttpError(404, `no job ${service}/${job}`);
      return sendJson(res, await data.history(service, job));
    }
    if (head === 'task' && rest.length === 4 && (rest[3] === 'logs' || rest[3] === 'inspect')) {
      const t = privateTask(rest.slice(0, 3));
      const out = rest[3] === 'logs' ? await data.logs(t) : await data.inspect(t);
      if (!out.ok) return sendJson(res, { error: out.error }, 502);
      return sendJson(
        res,
        rest[3] === 'logs' ? { lines: out.value } : (out.value as { inspect: unknown }).inspect,
      );
    }
    throw new HttpError(404, 'no such endpoint');
  }

  function privateTask(parts: string[]) {
    if (opts.token !== undefined)
      throw new HttpError(403, 'logs and inspect are not served in --public mode');
    const [service, job, task] = names(parts);
    const t = data.findTask(service, job, task);
    if (!t) throw new HttpError(404, `no task ${service}/${job}/${task} in this inventory`);
    return t;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const listen = { host: opts.listen.host, port: bound.port };
  const local = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
  allowed = allowedHosts(listen, local);
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

/** Raw path segments; `names` decodes and checks them, so `..` or `%2e%2e` never match a route. */
function segments(pathname: string): string[] {
  return pathname.split('/').filter((s) => s !== '');
}

function names(parts: string[]): [string, string, string] {
  const out = parts.map((p) => {
    let v: string;
    try {
      v = decodeURIComponent(p);
    } catch {
      throw new HttpError(404, 'no such page');
    }
    if (!NAME.test(v)) throw new HttpError(404, 'no such page');
    return v;
  });
  return [out[0] ?? '', out[1] ?? '', out[2] ?? ''];
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', buf.length);
  res.writeHead(status);
  res.end(buf);
}

function sendHtml(res: ServerResponse, status: number, page: SafeHtml): void {
  send(res, status, 'text/html; charset=utf-8', page.value);
}

function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, null, 2) + '\n');
}
