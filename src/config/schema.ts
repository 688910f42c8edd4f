// The configuration schema: every key the appliance menus may set, its
// default and its rule. This table is the contract with the menus; the
// README's configuration reference is generated from the same entries.

import type { Problem } from '../errors.ts';
import { problemIn } from '../settings/document.ts';
import { bool, bytes, int, list, oneOf, text, type Field, type TextRule } from '../settings/fields.ts';
import { defineSchema, type SettingsOf } from '../settings/schema.ts';
import { APPLIANCE_ID } from '../protocol/topics.ts';
import {
  isAbsolutePath, isEmail, isHostname, isIPv4, isLoopbackAddress, isNoProxyEntry, isPrintableAscii, isTagValue, parseHostPort,
} from '../settings/rules.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const hostPort: TextRule = {
  rule: 'must be a host name or IP address, optionally followed by :port (1-65535)',
  test: (s) => parseHostPort(s) !== undefined,
  normalise: (s) => s.trim(),
};
const credential = (max: number): TextRule => ({
  rule: `must be 1-${max} printable ASCII characters`,
  test: (s) => s.length <= max && isPrintableAscii(s),
});
const basicUser = (max: number): TextRule => ({
  rule: `must be 1-${max} printable ASCII characters without ":" (HTTP Basic authentication cannot carry it)`,
  test: (s) => s.length <= max && isPrintableAscii(s) && !s.includes(':'),
});
// Values that end up in SMS TagData, which is a comma-separated pair list.
const tagText: TextRule = {
  rule: 'must be 1-255 printable ASCII characters without a comma or "~~~" (it becomes an SMS tag value)',
  test: isTagValue,
};
const certFingerprint: TextRule = {
  rule: 'is a SHA-256 certificate fingerprint (64 hex digits, colons optional)',
  test: (s) => /^[0-9A-F]{64}$/.test(s.replace(/:/g, '')), normalise: (s) => s.trim().toUpperCase(),
};
const absPath: TextRule = { rule: 'must be an absolute path', test: isAbsolutePath };

export const FIELDS = [
  // The appliance's identity, set by the board; empty means "ask the OS".
  text('appliance.id', '', {
    rule: 'must be 1-64 characters of letters, digits, ".", "_" or "-", not starting with "."', optional: true,
    test: (s) => APPLIANCE_ID.test(s),
  }, { doc: 'Identifier used in batch names and MQTT topics; empty = derived from the host name.' }),
  text('appliance.hostname', '', { rule: 'must be a host name (RFC 1123)', optional: true, test: isHostname },
    { doc: 'Appliance host name reported to TMSP and tagged on SMS entries; empty = the OS host name.' }),
  text('appliance.productName', 'Threat Discovery Appliance', tagText,
    { doc: 'Product name (SMS tag "Trend Micro Publisher", TMSP registration).' }),
  text('appliance.model', '', { ...tagText, optional: true }, { doc: 'Model reported at registration.' }),
  text('appliance.serial', '', { ...tagText, optional: true }, { doc: 'Serial number reported at registration.' }),

  // Seed 000: "Send logs and data to Threat Management Services Portal".
  bool('tmsp.enabled', false, { doc: 'Send logs and data to TMSP.' }),
  text('tmsp.logServer', '', { ...hostPort, optional: true },
    { doc: 'TMSP log server; port defaults to 22 (ssh) or 443 (ssl).' }),
  oneOf('tmsp.protocol', 'ssh', ['ssh', 'ssl'], { doc: 'Upload protocol: ssh (SFTP) or ssl (HTTPS PUT).' }),
  int('tmsp.uploadIntervalMinutes', 60, 1, 1440, { doc: 'How often to send logs to TMSP.', unit: 'minutes' }),
  text('tmsp.statusServer', '', { ...hostPort, optional: true },
    { doc: 'TMSP status server (MQTT); port defaults to 8883.' }),
  text('tmsp.username', '', { ...basicUser(64), optional: true }, { doc: 'TMSP user name.' }),
  text('tmsp.password', '', { ...credential(128), optional: true }, { doc: 'TMSP password.', secret: true }),
  text('tmsp.registrationEmail', '', {
    rule: 'must be an email address such as admin@example.com', optional: true, test: isEmail,
    normalise: (s) => s.trim(),
  }, { doc: 'Registration email address.' }),
  bool('tmsp.useProxy', false, { doc: 'Connect to TMSP through the appliance proxy.' }),
  text('tmsp.logBasePath', 'upload', {
    rule: 'must be a path of letters, digits, ".", "_" and "-" separated by "/", without ".." segments',
    test: (s) => /^\/?[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/.test(s) && !s.split('/').includes('..'),
  }, { doc: 'Where batches go on the log server: SFTP path (relative to the login directory unless it starts with /), or HTTPS URL path.' }),
  text('tmsp.hostKeyFingerprint', '', {
    rule: 'must be an SSH SHA-256 fingerprint such as SHA256:<43 base64 characters>', optional: true,
    test: (s) => /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(s), normalise: (s) => s.trim(),
  }, { doc: 'Accepted SSH host key of the log server; set by `tmsp save` from a successful test.' }),
  text('tmsp.tlsCaFile', '', { ...absPath, optional: true },
    { doc: 'Extra CA certificates (PEM) trusted for the log server (ssl) and the status server.' }),
  list('tmsp.tlsFingerprints', [], certFingerprint, { doc: 'Pinned TLS certificates of the log server (ssl): trusted by fingerprint alone (for a self-signed server).' }),
  bool('tmsp.statusTls', true, { doc: 'Use TLS to the status server (MQTT over TLS, port 8883; plain MQTT uses 1883).' }),
  list('tmsp.statusTlsFingerprints', [], certFingerprint, { doc: 'Pinned TLS certificates of the status server: trusted by fingerprint alone (for a self-signed server).' }),
  int('tmsp.heartbeatSeconds', 60, 5, 3600, { doc: 'How often a heartbeat is sent.', unit: 'seconds' }),
  int('tmsp.sftpParallelWrites', 64, 1, 64,
    { doc: 'Most SFTP writes kept in flight, each as large as the server takes (limits@openssh.com; 32 KiB if it does not say); fewer when they fill the channel window it grants (8 of OpenSSH\'s 255 KiB). 1 for servers that cannot take parallel writes.' }),
  bytes('tmsp.bandwidthLimitBytes', 0, 0, 1024 * MiB, { doc: 'Upload bandwidth cap in bytes per second; 0 = no cap.' }),
  int('tmsp.highWaterPercent', 50, 1, 100,
    { doc: 'Upload before the interval when the spool is this full (percent of its budget).' }),
  bytes('tmsp.batchMaxBytes', 64 * MiB, 64 * KiB, 4 * GiB, { doc: 'Largest batch (compressed bytes) sent as one file.' }),
  int('tmsp.retryMaxSeconds', 300, 1, 3600,
    { doc: 'Longest wait between upload retries (exponential backoff with jitter up to this).', unit: 'seconds' }),
  int('tmsp.timeoutSeconds', 20, 1, 300, { doc: 'Connect, handshake and request timeout.', unit: 'seconds' }),
  int('tmsp.keepaliveSeconds', 30, 5, 600,
    { doc: 'Keepalive interval (TCP, SSH, MQTT) that detects a dead peer.', unit: 'seconds' }),

  // The appliance-wide proxy (Proxy Settings screen).
  text('proxy.host', '', {
    rule: 'must be a host name or IP address', optional: true,
    test: (s) => isIPv4(s) || isHostname(s), normalise: (s) => s.trim(),
  }, { doc: 'Proxy server host.' }),
  int('proxy.port', 8080, 1, 65535, { doc: 'Proxy server port.' }),
  text('proxy.username', '', { ...basicUser(64), optional: true }, { doc: 'Proxy user name (Basic).' }),
  text('proxy.password', '', { ...credential(128), optional: true }, { doc: 'Proxy password.', secret: true }),
  list('proxy.noProxy', [], {
    rule: 'is a host name, .domain suffix, IP address or IPv4 CIDR (a.b.c.d/n)', test: isNoProxyEntry,
    normalise: (s) => s.trim().toLowerCase(),
  }, { doc: 'Destinations reached directly, never through the proxy.' }),

  // Seed 004: TippingPoint SMS object distribution.
  bool('sms.enabled', false, { doc: 'Object Distribution to the TippingPoint SMS.' }),
  text('sms.server', '', { rule: 'must be an IPv4 address such as 192.0.2.10', optional: true, test: isIPv4 },
    { doc: 'SMS server; the seed requires the IPv4 address of the SMS.' }),
  text('sms.username', '', { ...basicUser(15), optional: true }, { doc: 'SMS user name (1-15 characters).' }),
  text('sms.password', '', { ...credential(15), optional: true },
    { doc: 'SMS password (1-15 characters).', secret: true }),
  list<'sms.objectTypes', 'ipv4' | 'domain'>('sms.objectTypes', ['ipv4', 'domain'], {
    rule: 'is ipv4 or domain', minItems: 1, test: (s) => s === 'ipv4' || s === 'domain',
    normalise: (s) => s.trim().toLowerCase(),
  }, { doc: 'Suspicious object types to distribute.' }),
  oneOf('sms.riskLevel', 'high', ['high', 'high-medium', 'high-medium-low'],
    { doc: 'Distribute objects of: High only | High and medium | High, medium, and low.' }),
  int('sms.port', 443, 1, 65535, { doc: 'SMS Web API port (HTTPS).' }),
  text('sms.apiKey', '', {
    rule: 'must be 1-128 printable ASCII characters', optional: true, test: (s) => s.length <= 128 && isPrintableAscii(s),
  }, { doc: 'SMS API key; when set it is sent as X-SMS-API-KEY instead of the user name and password.', secret: true }),
  text('sms.tlsCaFile', '', { ...absPath, optional: true }, { doc: 'CA certificates (PEM) trusted for the SMS.' }),
  list('sms.tlsFingerprints', [], certFingerprint, { doc: 'Pinned SMS certificates (SMS appliances usually have self-signed ones): trusted by fingerprint alone.' }),
  int('sms.objectTtlDays', 30, 1, 3650, { doc: 'An object expires this long after it was last seen.', unit: 'days' }),
  int('sms.maxObjects', 100000, 100, 1000000,
    { doc: 'Objects kept; past it the one closest to expiry makes room (counted).' }),
  int('sms.batchSize', 50, 1, 500, { doc: 'Entries per add/delete request.' }),
  int('sms.importThreshold', 200, 2, 100000, { doc: 'From this many pending entries of a type, one CSV import/delete file is sent instead.' }),
  int('sms.requestIntervalMs', 1000, 0, 60000, { doc: 'Least time between two SMS requests.', unit: 'ms' }),
  int('sms.retryMaxSeconds', 300, 1, 3600, { doc: 'Longest wait between SMS retries.', unit: 'seconds' }),
  int('sms.timeoutSeconds', 20, 1, 300, { doc: 'SMS connect and request timeout.', unit: 'seconds' }),

  // Firmware defaults the board may override.
  text('ingest.unixSocket', '/run/tmsp-agent/log.sock', { ...absPath, optional: true },
    { doc: 'Unix datagram syslog socket (like /dev/log); empty disables it.' }),
  text('ingest.listenAddress', '127.0.0.1', {
    rule: 'must be a loopback address (127.x.x.x or ::1)', test: isLoopbackAddress,
  }, { doc: 'Address the UDP and TCP syslog listeners bind to.' }),
  int('ingest.udpPort', 5514, 0, 65535, { doc: 'UDP syslog port on the loopback; 0 disables it.' }),
  int('ingest.tcpPort', 5514, 0, 65535, { doc: 'TCP syslog port (newline or octet-counted framing); 0 disables it.' }),
  int('ingest.tcpMaxConnections', 64, 1, 1024, { doc: 'Concurrent TCP syslog connections accepted.' }),
  bytes('ingest.maxMessageBytes', 64 * KiB, 1 * KiB, 64 * KiB,
    { doc: 'Longer messages are truncated to this size and counted.' }),
  list('ingest.files', [], { rule: 'is an absolute path', test: isAbsolutePath },
    { doc: 'Log files to follow (rename and copy-truncate rotation aware).' }),
  oneOf('ingest.tailStartAt', 'beginning', ['beginning', 'end'],
    { doc: 'Where to start a file seen for the first time.' }),
  int('ingest.tailPollMs', 500, 50, 60000, { doc: 'How often followed files are checked.', unit: 'ms' }),

  bytes('spool.budgetBytes', 128 * MiB, 8 * MiB, 64 * GiB,
    { doc: 'Disk budget for the whole spool: its database, WAL and segment files. Oldest chunks are dropped beyond it.' }),
  bytes('spool.chunkMaxBytes', 1 * MiB, 64 * KiB, 16 * MiB,
    { doc: 'A chunk is sealed when its uncompressed records reach this size.' }),
  int('spool.chunkMaxAgeMs', 5000, 100, 600000,
    { doc: 'A chunk is sealed when its oldest record is this old.', unit: 'ms' }),
  oneOf('spool.durability', 'full', ['full', 'normal'],
    { doc: 'full: every sealed chunk (its body, then its index row) is fsynced before it counts; normal: the index is fsynced at checkpoints only, and a body a power cut loses is found by its CRC and counted corrupt.' }),
  oneOf('spool.compression', 'gzip', ['gzip', 'zstd'],
    { doc: 'How chunks are compressed, and so what the log server receives (.ndjson.gz or .ndjson.zst). zstd takes about a quarter of gzip\'s CPU for batches about 7% larger; the log server must accept it.' }),
  int('spool.compressionLevel', 6, 1, 9, { doc: 'gzip level for chunks (spool.compression gzip).' }),
  int('spool.zstdLevel', 1, 1, 6, { doc: 'zstd level for chunks (spool.compression zstd). 1 is both faster and smaller than 3 on appliance logs; each chunk being compressed holds 0.7 MiB at 1 and 3.1 MiB at 6 (9 would hold 10.6, 19 81).' }),
  bytes('spool.maxPendingBytes', 8 * MiB, 1 * MiB, 256 * MiB,
    { doc: 'Uncompressed bytes that may wait for compression; beyond it push sources are shed and counted.' }),

  text('daemon.stateDir', '/var/lib/tmsp-agent', absPath, { doc: 'State database and spool directory.' }),
  text('daemon.controlSocket', '/run/tmsp-agent/control.sock', absPath,
    { doc: 'Control socket used by the CLI (mode 0660).' }),
  oneOf('daemon.logLevel', 'info', ['error', 'warn', 'info', 'debug'], { doc: 'Daemon log level.' }),
  text('daemon.addonDir', '', { ...absPath, optional: true },
    { doc: 'Where the single executable unpacks its native parts; empty = <stateDir>/native. Must not be mounted noexec.' }),
  text('daemon.logFile', '', { ...absPath, optional: true }, { doc: 'Daemon log file; empty = standard output.' }),
  bytes('daemon.logMaxBytes', 1 * MiB, 64 * KiB, 64 * MiB, { doc: 'The log file is rotated at this size.' }),
  int('daemon.logFiles', 3, 1, 10, { doc: 'Rotated log files kept (log, log.1, ...).' }),
] as const;

/** The effective configuration: every section and setting, typed as its field says. Derived from FIELDS, never kept by hand. */
export type Config = SettingsOf<typeof FIELDS>;

/** Rules between fields, each valid alone. */
function crossRules(c: Config): Problem[] {
  const problem = (key: string, rule: string, input?: unknown) => problemIn(AGENT, key, rule, input);
  const p: Problem[] = [];
  const need = (cond: boolean, key: string, when: string) => {
    if (cond) p.push(problem(key, `must be set when ${when}`));
  };
  if (c.tmsp.enabled) {
    for (const k of ['logServer', 'statusServer', 'username', 'password', 'registrationEmail'] as const) {
      need(c.tmsp[k] === '', `tmsp.${k}`, 'tmsp.enabled is true');
    }
  }
  if (c.tmsp.enabled && c.tmsp.useProxy) need(c.proxy.host === '', 'proxy.host', 'tmsp.useProxy is true');
  need(c.proxy.password !== '' && c.proxy.username === '', 'proxy.username', 'proxy.password is set');
  if (c.sms.enabled) {
    for (const k of ['server', 'username', 'password'] as const) need(c.sms[k] === '', `sms.${k}`, 'sms.enabled is true');
  }
  if (c.spool.budgetBytes < 8 * c.spool.chunkMaxBytes) {
    p.push(problem('spool.budgetBytes', 'must be at least 8 times spool.chunkMaxBytes', c.spool.budgetBytes));
  }
  if (c.ingest.unixSocket !== '' && c.ingest.unixSocket === c.daemon.controlSocket) {
    p.push(problem('ingest.unixSocket', 'must differ from daemon.controlSocket'));
  }
  return p;
}

export const AGENT = defineSchema(FIELDS, crossRules);

export const FIELD_BY_KEY: ReadonlyMap<string, Field> = AGENT.byKey;
export const SECRET_KEYS: readonly string[] = AGENT.secretKeys;
export const SECTIONS: readonly string[] = AGENT.sections;
