/**
 * The dashboard's exact-match router: pages (overview, hosts, history, task) and their
 * JSON twins under /api. Data comes from DashboardData; a page that cannot be served says
 * why in the layout (404, or 403 for logs and inspect in public mode).
 */
import type { ServerResponse } from 'node:http';
import type { ResolvedTask } from '../inventory/model.js';
import { ASSETS } from './assets.js';
import type { DashboardData } from './dashboard-data.js';
import { html } from './html.js';
import { historyBody } from './pages/history.js';
import { hostsBody } from './pages/hosts.js';
import { layout, refreshSeconds, type PageContext } from './pages/layout.js';
import { overviewBody } from './pages/overview.js';
import { taskBody } from './pages/task.js';
import { send, sendHtml, sendJson } from './respond.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Serves one admitted request; what `publicMode` hides answers 403. */
export function dashboardRoutes(
  data: DashboardData,
  publicMode: boolean,
): (url: URL, res: ServerResponse) => Promise<void> {
  const pageContext = (url: URL): PageContext => ({
    inventory: data.project.inventory.name,
    path: url.pathname,
    query: url.searchParams,
    refresh: refreshSeconds(url.searchParams),
    publicMode,
  });

  const privateTask = (parts: string[]): ResolvedTask => {
    if (publicMode) throw new HttpError(403, 'logs and inspect are not served in --public mode');
    const [service, job, task] = names(parts);
    const t = data.findTask(service, job, task);
    if (!t) throw new HttpError(404, `no task ${service}/${job}/${task} in this inventory`);
    return t;
  };

  const route = async (url: URL, res: ServerResponse): Promise<void> => {
    const asset = ASSETS.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    const parts = segments(url.pathname);
    const ctx = pageContext(url);
    const [head, ...rest] = parts;
    if (head === 'api') return api(data, privateTask, rest, res);
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
    if (head === 'history' && rest.length === 2) return historyPage(data, ctx, rest, res);
    if (head === 'task' && rest.length === 3) return taskPage(data, ctx, privateTask(rest), res);
    throw new HttpError(404, 'no such page');
  };

  return async (url, res) => {
    try {
      await route(url, res);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return sendHtml(
        res,
        err.status,
        layout(
          pageContext(url),
          'overview',
          err.status === 404 ? 'Not found' : 'Not available',
          html`<p class="alert">${err.message}</p>`,
        ),
      );
    }
  };
}

async function taskPage(
  data: DashboardData,
  ctx: PageContext,
  t: ResolvedTask,
  res: ServerResponse,
): Promise<void> {
  const [status, logs, inspect] = await Promise.all([data.status(), data.logs(t), data.inspect(t)]);
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

async function historyPage(
  data: DashboardData,
  ctx: PageContext,
  rest: string[],
  res: ServerResponse,
): Promise<void> {
  const [service, job] = names(rest);
  if (!data.hasJob(service, job))
    throw new HttpError(404, `no job ${service}/${job} in this inventory`);
  const h = await data.history(service, job);
  const diff = { a: ctx.query.get('a'), b: ctx.query.get('b') };
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

async function api(
  data: DashboardData,
  privateTask: (parts: string[]) => ResolvedTask,
  parts: string[],
  res: ServerResponse,
): Promise<void> {
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
