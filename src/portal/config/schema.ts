// The portal's settings: where it keeps its data, what it listens on, when an
// appliance counts as late or silent, and how notifications go out. One
// table, like the agent's: the README's reference is generated from it, and
// every rule is applied the same way by `run`, the CLI and the tests.

import type { Problem } from '../../errors.ts';
import { problemIn } from '../../settings/document.ts';
import { bool, bytes, int, list, oneOf, text, type TextRule } from '../../settings/fields.ts';
import { isAbsolutePath, isEmail, isHostname, isIPv4, isIPv6, isPrintableAscii, isTimeZone, parseHostPort } from '../../settings/rules.ts';
import { defineSchema, type SettingsOf } from '../../settings/schema.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const absPath: TextRule = { rule: 'must be an absolute path', test: isAbsolutePath };
const address: TextRule = { rule: 'must be an IPv4 or IPv6 address', test: (s) => isIPv4(s) || isIPv6(s) };
const port = <K extends string>(key: K, dflt: number, doc: string) => int(key, dflt, 0, 65535, { doc: `${doc} 0 = a free port, chosen at start.` });
const email: TextRule = { rule: 'must be an e-mail address', test: isEmail, normalise: (s) => s.trim() };

export const PORTAL_FIELDS = [
  text('portal.dataDir', '/var/lib/tmsp-portal', absPath,
    { doc: 'Everything the portal keeps: its database, received batches, keys and certificates.' }),
  text('portal.listenAddress', '0.0.0.0', address, { doc: 'Address the receivers and the web pages listen on.' }),
  text('portal.publicName', '', { rule: 'must be a host name (RFC 1123)', optional: true, test: isHostname },
    { doc: 'Name appliances and browsers reach the portal by (in its certificate); empty = the OS host name.' }),
  oneOf('portal.logLevel', 'info', ['error', 'warn', 'info', 'debug'], { doc: 'Log level.' }),

  bool('sftp.enabled', true, { doc: 'The SSH log server (SFTP), for appliances set to protocol ssh.' }),
  port('sftp.port', 2222, 'SFTP port (22 needs root; point the appliances at this one).'),
  bool('https.enabled', true, { doc: 'The SSL log server (HTTPS PUT), for appliances set to protocol ssl.' }),
  port('https.port', 8443, 'HTTPS upload port.'),
  text('https.certFile', '', { ...absPath, optional: true },
    { doc: 'PEM certificate (chain) for every TLS listener; empty = a self-signed one made on first start.' }),
  text('https.keyFile', '', { ...absPath, optional: true }, { doc: 'PEM private key of https.certFile.' }),
  bool('mqtt.enabled', true, { doc: 'The embedded status server (MQTT over TLS).' }),
  port('mqtt.port', 8883, 'MQTT over TLS port.'),
  port('web.port', 9443, 'Web pages (HTTPS).'),
  int('web.sessionHours', 12, 1, 720, { doc: 'A web login lasts this long.', unit: 'hours' }),

  bytes('ingest.maxBatchBytes', 1 * GiB, 1 * MiB, 64 * GiB, { doc: 'Largest batch an appliance may upload.' }),
  int('ingest.retentionDays', 90, 1, 3650,
    { doc: 'Received batches, detections and heartbeats older than this are deleted.', unit: 'days' }),

  int('fleet.lateIntervals', 2, 1, 100, { doc: 'An appliance is late after this many heartbeat intervals without one.' }),
  int('fleet.silentIntervals', 3, 2, 1000,
    { doc: 'An appliance is silent (and notified) after this many heartbeat intervals without one.' }),
  int('fleet.silentMinimumMinutes', 10, 0, 10080,
    { doc: 'But never sooner than this after the last heartbeat.', unit: 'minutes' }),
  int('fleet.reminderHours', 24, 1, 720, { doc: 'A silent appliance is notified again this often.', unit: 'hours' }),
  int('fleet.maxAppliancesPerAccount', 1000, 1, 100_000,
    { doc: 'Appliances one account may own: a new appliance id past it is refused (MQTT) or quarantined (a batch), and logged.' }),
  int('fleet.uploadIntervals', 2, 1, 100,
    { doc: '"Alive but not uploading" after this many upload intervals without a batch while heartbeats arrive.' }),

  text('reports.timeZone', 'UTC', { rule: 'must be an IANA time zone such as Europe/Berlin or UTC', test: isTimeZone },
    { doc: 'Reports cover local days, weeks and months in this time zone, and are made at 02:00 in it.' }),
  bool('reports.email', true,
    { doc: 'E-mail each report with its PDF (through the notify.smtp* server, when notify.email is true).' }),
  list('reports.to', [], email, { doc: 'Recipients of every report, the whole portal\'s included.' }),
  bool('reports.registrationEmail', true,
    { doc: 'Also send an account\'s reports to the e-mail addresses its appliances registered with.' }),

  bool('notify.email', false, { doc: 'Send notifications by e-mail.' }),
  text('notify.smtpHost', '', { rule: 'must be a host name or address', optional: true, test: (s) => parseHostPort(s) !== undefined },
    { doc: 'SMTP server.' }),
  int('notify.smtpPort', 587, 1, 65535, { doc: 'SMTP port.' }),
  oneOf('notify.smtpSecurity', 'starttls', ['starttls', 'tls', 'none'],
    { doc: 'starttls: upgrade after connecting (587); tls: TLS from the start (465); none: plain (a local relay only).' }),
  text('notify.smtpUser', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii }, { doc: 'SMTP user.' }),
  text('notify.smtpPassword', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'SMTP password.', secret: true }),
  text('notify.from', 'tmsp-portal@localhost', email, { doc: 'Sender address of notifications.' }),
  list('notify.to', [], email, { doc: 'Recipients of every notification.' }),
  bool('notify.registrationEmail', true,
    { doc: 'Also send an appliance\'s notifications to the e-mail address it registered with.' }),
  text('notify.webhookUrl', '', {
    rule: 'must be an http:// or https:// URL', optional: true,
    test: (s) => { try { return ['http:', 'https:'].includes(new URL(s).protocol); } catch { return false; } },
  }, { doc: 'POST every notification here as JSON.' }),
  text('notify.webhookSecret', '', { rule: 'must be 16-256 printable ASCII characters', optional: true,
    test: (s) => s.length >= 16 && s.length <= 256 && isPrintableAscii(s) },
  { doc: 'Key of the X-TMSP-Signature header (HMAC-SHA256 of the body).', secret: true }),
  int('notify.queueLimit', 1000, 10, 100000, { doc: 'Notifications waiting for delivery; beyond it the oldest is dropped and counted.' }),
] as const;

export type PortalConfig = SettingsOf<typeof PORTAL_FIELDS>;

function crossRules(c: PortalConfig): Problem[] {
  const p: Problem[] = [];
  const problem = (key: string, rule: string) => p.push(problemIn(PORTAL, key, rule));
  if (c.notify.email && c.notify.smtpHost === '') problem('notify.smtpHost', 'must be set when notify.email is true');
  if (c.notify.smtpPassword !== '' && c.notify.smtpUser === '') problem('notify.smtpUser', 'must be set when notify.smtpPassword is set');
  if ((c.https.certFile === '') !== (c.https.keyFile === '')) problem('https.keyFile', 'must be set exactly when https.certFile is');
  if (c.fleet.silentIntervals <= c.fleet.lateIntervals) problem('fleet.silentIntervals', 'must be more than fleet.lateIntervals');
  return p;
}

export const PORTAL = defineSchema(PORTAL_FIELDS, crossRules);
