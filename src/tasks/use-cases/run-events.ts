/**
 * What every mutating command does around its work: the `pre-<action>` hook (a failure
 * stops the command before any host is touched), then per recorded entry the webhooks
 * and the `post-<action>` hook (failures are reported, never fatal).
 */
import type { Project } from '../../inventory/model.js';
import type { LedgerEntry } from '../../ledger/index.js';
import {
  eventFromEntry,
  notifyWebhooks,
  preEvent,
  runPhaseHook,
  type DeployEvent,
  type WebhookResult,
} from '../../notify/index.js';
import { OperationError } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import type { RunNotices } from './context.js';

export async function runPreHook(
  project: Project,
  opts: { timeoutMs: number; notices: RunNotices },
  fields: Parameters<typeof preEvent>[0],
  nothingDone: string,
): Promise<void> {
  const pre = await runPhaseHook(project.inventory.hooks, 'pre', project.dir, preEvent(fields), {
    timeoutMs: opts.timeoutMs,
  });
  if (pre && pre.code !== 0) {
    if (pre.output.trim()) opts.notices.info(escapeControl(pre.output.trimEnd()));
    throw new OperationError(
      `${pre.name} hook failed (exit ${pre.code}${pre.timedOut ? ', timed out' : ''})`,
      nothingDone,
    );
  }
}

export interface Announced {
  notifications: (WebhookResult & { service: string })[];
  hookFailures: string[];
}

export async function announceEntries(
  project: Project,
  opts: { timeoutMs: number; notices: RunNotices },
  entries: LedgerEntry[],
): Promise<Announced> {
  const announced: Announced = { notifications: [], hookFailures: [] };
  for (const entry of entries) {
    const event: DeployEvent = eventFromEntry(entry);
    for (const n of await notifyWebhooks(project.inventory.notify, project.secrets, event)) {
      announced.notifications.push({ ...n, service: entry.service });
      if (!n.ok) opts.notices.warning(`notification ${n.webhook} failed: ${n.error ?? n.status}`);
    }
    const post = await runPhaseHook(project.inventory.hooks, 'post', project.dir, event, {
      timeoutMs: opts.timeoutMs,
    });
    if (post && post.code !== 0) {
      const text = `${post.name} hook failed for ${entry.service} (exit ${post.code})`;
      announced.hookFailures.push(text);
      opts.notices.warning(text);
    }
  }
  return announced;
}
