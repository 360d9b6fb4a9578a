/** Writing a response: the security headers on every one, a length, the body. */
import type { ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';
import { SECURITY_HEADERS } from './security.js';

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', buf.length);
  res.writeHead(status);
  res.end(buf);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

export function sendHtml(res: ServerResponse, status: number, page: SafeHtml): void {
  send(res, status, 'text/html; charset=utf-8', page.value);
}

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, null, 2) + '\n');
}
