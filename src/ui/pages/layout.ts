/** The frame every page shares: header with navigation, refresh and auto-refresh, footer. */
import { CSS } from '../assets.js';
// Our own constant stylesheet is the one string trusted as markup (quotes in font names).
import { html, SafeHtml } from '../html.js';
import { sameOriginPath } from '../security.js';

export type Section = 'overview' | 'hosts' | 'task' | 'history';

export interface PageContext {
  inventory: string;
  /** Path and query of this request, for the refresh links. */
  path: string;
  query: URLSearchParams;
  /** Seconds; 0 = off. */
  refresh: number;
  /** `--public`: logs and inspect are not served, so task pages are not linked. */
  publicMode: boolean;
  /** The static report: CSS inline, no links back to a server. */
  standalone?: boolean;
}

export const REFRESH_CHOICES = [0, 5, 10, 30, 60];

/** `?refresh=N` → seconds (2…3600), anything else → off. */
export function refreshSeconds(query: URLSearchParams): number {
  const n = Number(query.get('refresh'));
  return Number.isInteger(n) && n >= 2 && n <= 3600 ? n : 0;
}

function withQuery(ctx: PageContext, changes: Record<string, string | null>): string {
  const q = new URLSearchParams(ctx.query);
  q.delete('token');
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  const path = sameOriginPath(ctx.path);
  return s ? `${path}?${s}` : path;
}

export function layout(
  ctx: PageContext,
  section: Section,
  title: string,
  body: SafeHtml,
  opts: { script?: boolean; generatedAt?: string } = {},
): SafeHtml {
  const nav = (href: string, name: string, s: Section) =>
    html`<a href="${href}"${section === s ? html` class="current" aria-current="page"` : ''}>${name}</a>`;
  const tools = ctx.standalone
    ? html`<span>generated ${opts.generatedAt ?? ''}</span>`
    : html`<a class="button" id="refresh" href="${withQuery(ctx, {})}">Refresh</a>
        <span>Auto:</span>
        ${REFRESH_CHOICES.map(
          (n) =>
            html`<a class="button${ctx.refresh === n ? ' on' : ''}" href="${withQuery(ctx, { refresh: n ? String(n) : null })}">${n ? `${n}s` : 'off'}</a>`,
        )}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${ctx.refresh && !ctx.standalone ? html`<meta http-equiv="refresh" content="${ctx.refresh}">` : ''}
<title>${title} · deploy · ${ctx.inventory}</title>
${ctx.standalone ? html`<style>${new SafeHtml(CSS)}</style>` : html`<link rel="stylesheet" href="/static/app.css">`}
</head>
<body>
<header class="top">
  <span class="brand">deploy</span>
  <span class="inv">inventory <b>${ctx.inventory}</b></span>
  ${ctx.standalone ? '' : html`<nav>${nav('/', 'Overview', 'overview')}${nav('/hosts', 'Hosts', 'hosts')}</nav>`}
  <span class="tools">${tools}</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
<footer>read-only dashboard · ${ctx.publicMode ? 'public mode: logs and inspect are not served' : 'local'}</footer>
${opts.script && !ctx.standalone ? html`<script src="/static/app.js"></script>` : ''}
</body>
</html>
`;
}
