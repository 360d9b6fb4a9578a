/**
 * The event deploy announces after each recorded command: posted to webhooks and handed
 * to local hooks in $DEPLOY_EVENT. Built from the ledger entry so both say the same.
 */
import type { LedgerAction, LedgerEntry, LedgerOutcome } from '../ledger/index.js';

export interface DeployEvent {
  event: LedgerAction;
  service: string;
  /** Ledger entry id; null for a pre-hook event or when nothing was recorded. */
  entry: string | null;
  run: string;
  user: string;
  /** Null before the command ran (pre-hooks). */
  outcome: LedgerOutcome | null;
  summary: string;
  inventory: string;
  /** RFC 3339 UTC. */
  time: string;
  targets: string[];
  message?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line a person reads in a chat: what, where, how it went. */
export function summarize(entry: LedgerEntry): string {
  const head = `${entry.action} ${entry.service} on ${entry.inventory} by ${entry.user}: ${entry.outcome}`;
  const parts: string[] = [];
  if (entry.tasks.length) {
    const counts = new Map<string, number>();
    for (const t of entry.tasks) counts.set(t.outcome, (counts.get(t.outcome) ?? 0) + 1);
    parts.push(
      `${plural(entry.tasks.length, 'task')} (${[...counts].map(([o, n]) => `${n} ${o}`).join(', ')})`,
    );
  }
  if (Array.isArray(entry.changes)) {
    const images = (
      entry.changes as { job: string; image?: { from: string | null; to: string | null } }[]
    )
      .filter((c) => c.image)
      .map((c) => `${c.job} ${c.image!.from ?? '∅'} → ${c.image!.to ?? '∅'}`);
    if (images.length) parts.push(images.join(', '));
  }
  if (entry.source) parts.push(`restored ${entry.source}`);
  if (entry.message) parts.push(`"${entry.message}"`);
  return parts.length ? `${head}; ${parts.join('; ')}` : head;
}

export function eventFromEntry(
  entry: LedgerEntry,
  summary: string = summarize(entry),
): DeployEvent {
  const event: DeployEvent = {
    event: entry.action,
    service: entry.service,
    entry: entry.id,
    run: entry.run,
    user: entry.user,
    outcome: entry.outcome,
    summary,
    inventory: entry.inventory,
    time: entry.time,
    targets: entry.targets,
  };
  if (entry.message !== undefined) event.message = entry.message;
  return event;
}

/** The event a `pre-<action>` hook sees: the command has not run, so no entry and no outcome. */
export function preEvent(
  fields: Pick<DeployEvent, 'event' | 'service' | 'run' | 'user' | 'inventory' | 'targets'> & {
    message?: string;
    time?: string;
  },
): DeployEvent {
  const event: DeployEvent = {
    event: fields.event,
    service: fields.service,
    entry: null,
    run: fields.run,
    user: fields.user,
    outcome: null,
    summary: `${fields.event} ${fields.service} on ${fields.inventory} by ${fields.user}: starting`,
    inventory: fields.inventory,
    time: fields.time ?? new Date().toISOString(),
    targets: fields.targets,
  };
  if (fields.message !== undefined) event.message = fields.message;
  return event;
}
