// tmsp-portal notify test: a test notice on every configured channel, sent
// at once (past the queue) so the operator sees each channel's answer.

import type { Out } from '../../core/out.ts';
import { TmspError, UsageError } from '../../errors.ts';
import { portalUrl } from '../config/load.ts';
import { deliverNow } from '../notify/notifier.ts';
import type { PortalCtx } from './context.ts';

export async function notifyCommand(ctx: PortalCtx, out: Out, args: string[]): Promise<number> {
  if (args[0] !== 'test' || args.length > 1) throw new UsageError('notify test');
  const c = ctx.config;
  if (!c.notify.email && c.notify.webhookUrl === '') {
    throw new TmspError('E_NOT_CONFIGURED', 'no notification channel is set: set notify.email (with notify.smtpHost) or notify.webhookUrl');
  }
  const results = await deliverNow({
    kind: 'test', applianceId: null, hostname: null, product: null, model: null, account: null, at: Date.now(),
    lastHeartbeatAt: null, since: null, detail: 'sent by tmsp-portal notify test', recipients: [],
  }, { settings: c.notify, portalUrl: portalUrl(c), reminderHours: c.fleet.reminderHours });
  const human = results.map((r) => `${r.channel} to ${r.target || '(nobody)'}: ${r.ok ? 'delivered' : `failed: ${r.error}`}`).join('\n');
  if (results.some((r) => !r.ok)) return out.fail(new TmspError('E_TEST_FAILED', 'a channel failed'), { channels: results }, human);
  out.done({ channels: results }, human);
  return 0;
}
