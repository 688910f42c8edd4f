// E-mail through the operator's SMTP server (nodemailer). One connection
// per message: notices are few, and a pooled connection would sit idle
// between them and be cut by the server. Every wait is bounded, so a dead
// server costs a delivery attempt, never a stuck queue.

import fs from 'node:fs';
import nodemailer, { type NodemailerError, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import { parseHostPort } from '../../settings/rules.ts';
import type { PortalConfig } from '../config/schema.ts';
import type { Channel, Delivery, Outgoing } from './notice.ts';

export interface EmailOptions {
  /** A CA (PEM file) to trust beyond the system's: a private relay's, or the tests'. */
  ca?: string;
  /** Connecting and waiting for the greeting, each (ms). */
  timeoutMs?: number;
}

/** The transport's settings from notify.*: the one place smtpSecurity is read. */
export function smtpOptions(s: PortalConfig['notify'], o: EmailOptions = {}): SMTPTransportOptions {
  const hp = parseHostPort(s.smtpHost);
  const timeout = o.timeoutMs ?? 10_000;
  const security = s.smtpSecurity === 'tls' ? { secure: true }
    : s.smtpSecurity === 'starttls' ? { secure: false, requireTLS: true }
      // A local relay on loopback: never upgrade, even when offered, so a broken certificate there cannot stop mail.
      : { secure: false, ignoreTLS: true };
  return {
    host: hp?.host ?? s.smtpHost,
    port: hp?.port ?? s.smtpPort,
    ...security,
    ...(s.smtpUser ? { auth: { user: s.smtpUser, pass: s.smtpPassword } } : {}),
    tls: { minVersion: 'TLSv1.2', ...(o.ca ? { ca: fs.readFileSync(o.ca, 'utf8') } : {}) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    dnsTimeout: timeout,
    socketTimeout: 3 * timeout,
    // Nodemailer's own log would carry the AUTH exchange: ours says what matters, without secrets.
    logger: false,
    debug: false,
  };
}

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html?: string | undefined;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
  /** X-TMSP-Event and X-TMSP-Delivery: what it is, and which. */
  kind: string;
  id: string;
}

export class Email implements Channel {
  private readonly transport: Transporter;
  private readonly from: string;

  constructor(s: PortalConfig['notify'], o: EmailOptions = {}) {
    this.transport = nodemailer.createTransport(smtpOptions(s, o));
    this.from = s.from;
  }

  deliver(m: Outgoing, id: number, signal: AbortSignal): Promise<Delivery> {
    return this.send({ to: m.to ?? [], subject: m.subject, text: m.text, html: m.html, kind: m.kind, id: String(id) }, signal);
  }

  /** Any message of the portal's: a notice, or a report with its PDF. */
  async send(m: Mail, signal: AbortSignal): Promise<Delivery> {
    if (m.to.length === 0) return { ok: false, refused: true, error: 'no recipients' };
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        ...(m.html ? { html: m.html } : {}),
        ...(m.attachments ? { attachments: m.attachments } : {}),
        headers: {
          // RFC 3834: vacation responders and ticket systems do not answer it.
          'Auto-Submitted': 'auto-generated',
          'X-TMSP-Event': m.kind,
          'X-TMSP-Delivery': m.id,
        },
        signal,
      });
      const rejected = (info.rejected as string[] | undefined) ?? [];
      return rejected.length ? { ok: true, note: `refused recipients: ${rejected.join(', ')}` } : { ok: true };
    } catch (err) {
      const e = err as NodemailerError;
      // A 5xx to the envelope or the message is the server's last word on it; a 5xx to
      // AUTH or STARTTLS is the operator's to fix, and the message waits for that.
      const refused = e.permanent === true && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
      return { ok: false, refused, error: `${e.code ?? 'E'}: ${e.message}`.slice(0, 500) };
    }
  }

  close(): void {
    this.transport.close();
  }
}
