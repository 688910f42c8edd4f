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
function urlOf(s: string, protocols: string[]): URL | undefined {
  try {
    const u = new URL(s);
    return protocols.includes(u.protocol) && u.hostname !== '' ? u : undefined;
  } catch {
    return undefined;
  }
}
const isHttpUrl = (s: string) => urlOf(s, ['http:', 'https:']) !== undefined;
// Passwords have their own secret settings: one in a URL would be shown by `config show` and logged.
const isBrokerUrl = (s: string) => { const u = urlOf(s, ['mqtt:', 'mqtts:']); return u !== undefined && u.username === '' && u.password === ''; };
const isPostgresUrl = (s: string) => { const u = urlOf(s, ['postgres:', 'postgresql:']); return u !== undefined && u.password === ''; };
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
  text('sftp.hostKeyFile', '', { ...absPath, optional: true },
    { doc: 'The SSH host key (OpenSSH format), made there on first start; empty = one in the data directory. Portal processes behind one load balancer share one, so that appliances pinning it reach any of them.' }),
  bool('https.enabled', true, { doc: 'The SSL log server (HTTPS PUT), for appliances set to protocol ssl.' }),
  port('https.port', 8443, 'HTTPS upload port.'),
  text('https.certFile', '', { ...absPath, optional: true },
    { doc: 'PEM certificate (chain) for every TLS listener; empty = a self-signed one made on first start.' }),
  text('https.keyFile', '', { ...absPath, optional: true }, { doc: 'PEM private key of https.certFile.' }),
  bool('mqtt.enabled', true, { doc: 'The status server (MQTT over TLS): the embedded broker, or (mqtt.broker external) the portal\'s subscription to another.' }),
  port('mqtt.port', 8883, 'MQTT over TLS port of the embedded broker.'),
  int('mqtt.maxClients', 5000, 16, 100_000,
    { doc: 'Sessions the embedded broker holds at once (one per appliance, and the portal\'s own); past it a login is refused as "server unavailable".' }),
  oneOf('mqtt.broker', 'embedded', ['embedded', 'external'],
    { doc: 'embedded: the portal is the broker; external: appliances connect to a broker of your own (Mosquitto, EMQX, HiveMQ, VerneMQ), which the portal subscribes to.' }),
  text('mqtt.url', '', { rule: 'must be an mqtt:// or mqtts:// URL without a user or password', optional: true, test: isBrokerUrl },
    { doc: 'The external broker, as the portal reaches it.' }),
  text('mqtt.user', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'The portal\'s login on the external broker (it must be allowed to read tmsp/v1/#).' }),
  text('mqtt.password', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'Password of mqtt.user.', secret: true }),
  text('mqtt.caFile', '', { ...absPath, optional: true }, { doc: 'PEM CA the external broker\'s certificate is checked against; empty = the system\'s.' }),
  text('mqtt.shareGroup', 'tmsp-portal', { rule: 'must be 1-64 letters, digits, "-" or "_"', test: (s) => /^[A-Za-z0-9_-]{1,64}$/.test(s) },
    { doc: 'Portal processes subscribe as this shared-subscription group ($share/<group>/...): each message goes to one of them.' }),
  text('mqtt.passwordFile', '', { ...absPath, optional: true },
    { doc: 'A Mosquitto password_file that `account add`, `account passwd` and `account remove` keep in step with the portal\'s accounts.' }),
  text('mqtt.aclFile', '', { ...absPath, optional: true },
    { doc: 'A Mosquitto acl_file kept beside mqtt.passwordFile: each account may write its appliances\' topics, and mqtt.user read them all.' }),
  port('web.port', 9443, 'Web pages (HTTPS).'),
  int('web.sessionHours', 12, 1, 720, { doc: 'A web login lasts this long.', unit: 'hours' }),

  oneOf('store.kind', 'sqlite', ['sqlite', 'postgresql'],
    { doc: 'sqlite: one file in the data directory (one portal process); postgresql: a PostgreSQL server several portal processes share.' }),
  text('store.url', '', { rule: 'must be a postgres:// or postgresql:// URL without a password', optional: true, test: isPostgresUrl },
    { doc: 'The PostgreSQL database, e.g. postgresql://tmsp@db.example:5432/tmsp.' }),
  text('store.password', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'Password of the store.url user.', secret: true }),
  text('store.caFile', '', { ...absPath, optional: true },
    { doc: 'PEM CA of the PostgreSQL server: set, the connection is TLS and the server\'s certificate is checked; empty = no TLS.' }),
  int('store.poolSize', 10, 2, 200, { doc: 'Connections to PostgreSQL this process opens at most.' }),

  oneOf('batches.kind', 'local', ['local', 's3'],
    { doc: 'Where accepted batches are kept: local, the data directory; s3, an S3-compatible bucket (AWS S3, MinIO, Ceph RGW).' }),
  text('batches.s3Endpoint', '', { rule: 'must be an http:// or https:// URL', optional: true, test: isHttpUrl },
    { doc: 'The S3 endpoint; empty = AWS S3 of batches.s3Region.' }),
  text('batches.s3Region', 'us-east-1', { rule: 'must be a region name such as eu-central-1', test: (s) => /^[a-z0-9-]{1,32}$/.test(s) },
    { doc: 'The bucket\'s region.' }),
  text('batches.s3Bucket', '', { rule: 'must be an S3 bucket name (3-63 lower-case letters, digits, "." or "-")', optional: true,
    test: (s) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) }, { doc: 'The bucket batches are kept in.' }),
  text('batches.s3Prefix', 'batches/', { rule: 'must be empty or printable ASCII ending in "/"', optional: true,
    test: (s) => s === '' || (isPrintableAscii(s) && s.endsWith('/') && !s.startsWith('/')) }, { doc: 'Key prefix of the batches in the bucket.' }),
  text('batches.s3AccessKeyId', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'Access key; empty = the SDK\'s own chain (environment, instance role).' }),
  text('batches.s3SecretAccessKey', '', { rule: 'must be printable ASCII', optional: true, test: isPrintableAscii },
    { doc: 'Secret of batches.s3AccessKeyId.', secret: true }),
  bool('batches.s3PathStyle', true, { doc: 'Address the bucket in the path (MinIO, Ceph RGW) rather than in the host name (AWS).' }),

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
    rule: 'must be an http:// or https:// URL', optional: true, test: isHttpUrl,
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
  if (c.store.kind === 'postgresql' && c.store.url === '') problem('store.url', 'must be set when store.kind is postgresql');
  if (c.batches.kind === 's3' && c.batches.s3Bucket === '') problem('batches.s3Bucket', 'must be set when batches.kind is s3');
  if ((c.batches.s3AccessKeyId === '') !== (c.batches.s3SecretAccessKey === '')) {
    problem('batches.s3SecretAccessKey', 'must be set exactly when batches.s3AccessKeyId is');
  }
  if (c.mqtt.broker === 'external' && c.mqtt.enabled) {
    if (c.mqtt.url === '') problem('mqtt.url', 'must be set when mqtt.broker is external');
    if (c.mqtt.user === '') problem('mqtt.user', 'must be set when mqtt.broker is external');
  }
  if ((c.mqtt.passwordFile === '') !== (c.mqtt.aclFile === '')) problem('mqtt.aclFile', 'must be set exactly when mqtt.passwordFile is');
  if (c.fleet.silentIntervals <= c.fleet.lateIntervals) problem('fleet.silentIntervals', 'must be more than fleet.lateIntervals');
  return p;
}

export const PORTAL = defineSchema(PORTAL_FIELDS, crossRules);
