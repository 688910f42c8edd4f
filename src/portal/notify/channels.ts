// The channels notify.* sets up, what a notice becomes on each (the words,
// the e-mail's recipients), and a delivery past the queue for `notify test`.
// The notifier queues what messagesFor() makes; a channel delivers it.

import { isEmail } from '../../settings/rules.ts';
import type { PortalConfig } from '../config/schema.ts';
import type { QueuedNotification } from '../store/types.ts';
import { Email } from './email.ts';
import { applianceUrl, render } from './message.ts';
import type { Channel, Notice, Outgoing } from './notice.ts';
import { Webhook } from './webhook.ts';

export type ChannelName = QueuedNotification['channel'];

export interface ChannelSettings {
  settings: PortalConfig['notify'];
  /** A CA (PEM file) the SMTP server's certificate is checked against, beyond the system's. */
  emailCa?: string;
  webhookTimeoutMs?: number;
}

export interface MessageSettings {
  settings: PortalConfig['notify'];
  /** The web pages' base URL, for the links in every message. */
  portalUrl: string;
  /** fleet.reminderHours, said in the messages. */
  reminderHours: number;
}

/** notify.to plus the registration address: a bound on what one notice fans out to. */
const MAX_RECIPIENTS = 20;

/** What a peer answers could echo a credential; what we log and keep never does. */
export function redactor(s: PortalConfig['notify']): (text: string) => string {
  // A one- or two-letter password would blank out half of every message; it is no echo worth hiding.
  const secrets = [s.smtpPassword, s.webhookSecret].filter((x) => x.length >= 4);
  return (text) => secrets.reduce((t, x) => t.split(x).join('***'), text);
}

/** The channels notify.* sets up. */
export function openChannels(o: ChannelSettings): Partial<Record<ChannelName, Channel>> {
  const s = o.settings;
  return {
    ...(s.email && s.smtpHost ? { email: new Email(s, o.emailCa ? { ca: o.emailCa } : {}) } : {}),
    ...(s.webhookUrl ? { webhook: new Webhook(s.webhookUrl, s.webhookSecret, { timeoutMs: o.webhookTimeoutMs ?? 10_000 }) } : {}),
  };
}

/** The addresses of an envelope: plain addresses only, each once, at most `max`; leftOut counts what was not an address. */
export function envelope(addresses: readonly string[], max: number): { to: string[]; leftOut: number } {
  const seen = new Set<string>();
  const to: string[] = [];
  let leftOut = 0;
  for (const a of addresses) {
    const address = a.trim();
    // A registration's address comes from the appliance (the network): nothing else reaches the envelope.
    if (!isEmail(address)) {
      leftOut++;
      continue;
    }
    if (seen.has(address.toLowerCase()) || to.length >= max) continue;
    seen.add(address.toLowerCase());
    to.push(address);
  }
  return { to, leftOut };
}

/** notify.to, then (notify.registrationEmail) the notice's own. */
function recipients(s: PortalConfig['notify'], n: Notice): { to: string[]; leftOut: number } {
  return envelope([...s.to, ...(s.registrationEmail ? n.recipients : [])], MAX_RECIPIENTS);
}

/** What a notice becomes on each channel set up. */
export function messagesFor(n: Notice, o: MessageSettings): {
  email?: Outgoing; webhook?: Outgoing; noRecipient: boolean; leftOut: number;
} {
  const s = o.settings;
  const m: Outgoing = {
    kind: n.kind, ...render(n, o.portalUrl, { reminderHours: o.reminderHours }), url: applianceUrl(o.portalUrl, n.applianceId),
    applianceId: n.applianceId, hostname: n.hostname, product: n.product, model: n.model, account: n.account,
    at: n.at, lastHeartbeatAt: n.lastHeartbeatAt, since: n.since, detail: n.detail,
  };
  const { to, leftOut } = recipients(s, n);
  const mail = s.email && s.smtpHost !== '';
  return {
    ...(mail && to.length > 0 ? { email: { ...m, to } } : {}),
    ...(s.webhookUrl ? { webhook: m } : {}),
    noRecipient: mail && to.length === 0,
    leftOut,
  };
}

export interface ChannelOutcome {
  channel: ChannelName;
  ok: boolean;
  /** E-mail: the recipients; webhook: the receiver's origin. */
  target: string;
  error?: string;
}

/**
 * Delivers a notice at once on every channel set up, past the queue, and
 * says how each went: `notify test`, where the operator waits for the answer.
 */
export async function deliverNow(n: Notice, o: ChannelSettings & MessageSettings,
  signal: AbortSignal = new AbortController().signal): Promise<ChannelOutcome[]> {
  const out = messagesFor(n, o);
  const channels = openChannels(o);
  const redact = redactor(o.settings);
  try {
    const results: ChannelOutcome[] = [];
    if (out.noRecipient) results.push({ channel: 'email', ok: false, target: '', error: 'no recipient: notify.to is empty' });
    for (const channel of ['email', 'webhook'] as const) {
      const m = out[channel];
      const c = channels[channel];
      if (!m || !c) continue;
      const target = channel === 'email' ? (m.to ?? []).join(', ') : new URL(o.settings.webhookUrl).origin;
      const r = await c.deliver(m, 0, signal);
      results.push(r.ok ? { channel, ok: true, target } : { channel, ok: false, target, error: redact(r.error) });
    }
    return results;
  } finally {
    for (const c of Object.values(channels)) c.close();
  }
}
