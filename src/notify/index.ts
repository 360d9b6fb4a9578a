/** Notifications (webhooks) and local hooks around mutating commands (SPEC §1 `notify`, `hooks`). */
export { eventFromEntry, preEvent, summarize, type DeployEvent } from './event.js';
export {
  notifyWebhooks,
  wantsEvent,
  webhookLabel,
  type WebhookOptions,
  type WebhookResult,
} from './webhook.js';
export {
  hookName,
  runHook,
  runPhaseHook,
  type HookOptions,
  type HookResult,
  type HookRun,
} from './hook.js';
