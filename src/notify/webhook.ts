/**
 * Webhook notifications: one JSON POST per configured webhook whose events match, with a
 * timeout and one retry. A notification never fails a deploy: every outcome is returned,
 * nothing is thrown. The URL is a secret, so results name a webhook only by its position
 * and secret name, and error texts are scrubbed of it.
 */
import type { NotifyEvent, NotifySpec } from '../inventory/model.js';
import type { Secret } from '../shared/secret.js';
import { toolVersion } from '../ledger/index.js';
import type { DeployEvent } from './event.js';

export interface WebhookResult {
  /** `webhook #1 (CHAT_WEBHOOK_URL)`: safe to print. */
  webhook: string;
  ok: boolean;
  /** HTTP status of the last attempt, when one answered. */
  status?: number;
  attempts: number;
  error?: string;
  durationMs: number;
}

export interface WebhookOptions {
  /** Per attempt (default 5s). */
  timeoutMs?: number;
  /** Pause before the retry (default 1s). */
  retryDelayMs?: number;
}

const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['failed', 'partial']);

/** Whether a webhook subscribed to this event: its action, or `failure` when tasks failed. */
export function wantsEvent(
  events: readonly NotifyEvent[],
  event: Pick<DeployEvent, 'event' | 'outcome'>,
): boolean {
  if ((events as readonly string[]).includes(event.event)) return true;
  return events.includes('failure') && event.outcome !== null && FAILED_OUTCOMES.has(event.outcome);
}

export function webhookLabel(index: number, spec: NotifySpec): string {
  return `webhook #${index + 1} (${spec.webhookSecret})`;
}

function scrub(text: string, url: string): string {
  let out = text.split(url).join('<webhook url>');
  try {
    const u = new URL(url);
    const secretPart = u.pathname + u.search;
    if (secretPart.length > 1) out = out.split(secretPart).join('/<redacted>');
  } catch {
    // not a URL: the whole value was already replaced
  }
  return out;
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${timeoutMs} ms`;
  const why = e?.cause?.code ?? e?.cause?.message;
  return why ? `${e.message ?? 'request failed'} (${why})` : (e?.message ?? String(err));
}

type Attempt =
  { ok: true; status: number } | { ok: false; status?: number; error: string; retry: boolean };

async function attempt(url: string, body: string, timeoutMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `deploy/${toolVersion()}` },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain so the connection is released; the answer's content is of no interest.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true, status: res.status };
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}`,
      retry: res.status >= 500 || res.status === 429,
    };
  } catch (err) {
    return { ok: false, error: describeError(err, timeoutMs), retry: true };
  }
}

async function post(
  label: string,
  url: string,
  event: DeployEvent,
  opts: Required<WebhookOptions>,
): Promise<WebhookResult> {
  const started = Date.now();
  const body = JSON.stringify(event);
  let attempts = 0;
  let last: Attempt | undefined;
  for (; attempts < 2;) {
    if (attempts > 0) await new Promise((r) => setTimeout(r, opts.retryDelayMs));
    attempts++;
    last = await attempt(url, body, opts.timeoutMs);
    if (last.ok || !last.retry) break;
  }
  const result: WebhookResult = {
    webhook: label,
    ok: last!.ok,
    attempts,
    durationMs: Date.now() - started,
  };
  if (last!.status !== undefined) result.status = last!.status;
  if (!last!.ok) result.error = scrub(last!.error, url);
  return result;
}

/**
 * POSTs the event to every webhook subscribed to it, all at once. Returns one result per
 * subscribed webhook (none for the others); never throws.
 */
export async function notifyWebhooks(
  notify: readonly NotifySpec[],
  secrets: Readonly<Record<string, Secret | undefined>>,
  event: DeployEvent,
  options: WebhookOptions = {},
): Promise<WebhookResult[]> {
  const opts = {
    timeoutMs: options.timeoutMs ?? 5_000,
    retryDelayMs: options.retryDelayMs ?? 1_000,
  };
  const jobs = notify.map(async (spec, i): Promise<WebhookResult | undefined> => {
    if (!wantsEvent(spec.events, event)) return undefined;
    const label = webhookLabel(i, spec);
    const url = secrets[spec.webhookSecret]?.reveal() ?? '';
    if (!url)
      return {
        webhook: label,
        ok: false,
        attempts: 0,
        durationMs: 0,
        error: `secret ${spec.webhookSecret} is not set`,
      };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { webhook: label, ok: false, attempts: 0, durationMs: 0, error: 'not a valid URL' };
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return { webhook: label, ok: false, attempts: 0, durationMs: 0, error: 'not an http(s) URL' };
    }
    try {
      return await post(label, url, event, opts);
    } catch (err) {
      return {
        webhook: label,
        ok: false,
        attempts: 1,
        durationMs: 0,
        error: scrub(String(err), url),
      };
    }
  });
  return (await Promise.all(jobs)).filter((r): r is WebhookResult => r !== undefined);
}
