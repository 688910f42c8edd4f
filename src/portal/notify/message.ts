// The words a person reads. Subjects keep TMSP's wording, so that filters
// and habits built on TMSP's "No heartbeat received from registered
// product" keep working. Bodies say which appliance, since when, why, what
// to check, what happens next (reminders, recovery) and where its page is:
// a notice that leaves the reader guessing is one they learn to ignore.
// Names and details come from the appliances (the network): they are cut to
// one line, so a hostname cannot forge a header or a line of the body.

import type { Notice, Rendered } from './notice.ts';

export interface RenderOptions {
  /** How often fleet reminds while an appliance stays silent (fleet.reminderHours). */
  reminderHours?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One line, no control characters, bounded. */
function clean(s: string | null, max = 200): string {
  if (s === null) return '';
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim().slice(0, max);
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "47 minutes", "3 hours 12 minutes", "2 days 4 hours": minutes while they still mean something. */
export function duration(ms: number): string {
  const m = Math.floor(Math.max(0, ms) / MINUTE);
  if (m < 1) return 'less than a minute';
  if (m < 120) return plural(m, 'minute');
  if (ms < 2 * DAY) {
    const h = Math.floor(m / 60);
    return m % 60 ? `${plural(h, 'hour')} ${plural(m % 60, 'minute')}` : plural(h, 'hour');
  }
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  return h ? `${plural(d, 'day')} ${plural(h, 'hour')}` : plural(d, 'day');
}

/** UTC, to the second: "2026-03-01T09:12:00Z". */
export function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function applianceUrl(portalUrl: string, id: string | null): string {
  const base = portalUrl.replace(/\/+$/, '');
  return id === null ? base : `${base}/appliances/${encodeURIComponent(id)}`;
}

/** What the subject names the appliance by: its hostname, else its id. */
function nameOf(n: Notice): string {
  return clean(n.hostname) || clean(n.applianceId) || 'unknown appliance';
}

function facts(n: Notice, rows: Array<[string, string]>): string {
  const product = [clean(n.product), clean(n.model)].filter(Boolean).join(', model ');
  const all: Array<[string, string]> = [
    ['Appliance', clean(n.hostname) || '(no hostname registered)'],
    ['Appliance ID', clean(n.applianceId) || '(unknown)'],
    ...(product ? [['Product', product] as [string, string]] : []),
    ...(n.account ? [['Account', clean(n.account)] as [string, string]] : []),
    ...rows,
    ...(clean(n.detail) ? [['Reason', clean(n.detail, 500)] as [string, string]] : []),
  ];
  return all.map(([k, v]) => `${`${k}:`.padEnd(17)}${v}`).join('\n');
}

function lastHeartbeat(n: Notice): [string, string] {
  return ['Last heartbeat', n.lastHeartbeatAt === null
    ? 'never (none received since it registered)'
    : `${utc(n.lastHeartbeatAt)} (${duration(n.at - n.lastHeartbeatAt)} ago)`];
}

const sinceRow = (label: string, n: Notice): Array<[string, string]> =>
  n.since === null ? [] : [[label, `${utc(n.since)} (${duration(n.at - n.since)} ago)`]];

const CHECK_SILENT = [
  'What to check:',
  '- Is the appliance powered on, and is its tmsp-agent running?',
  '- Can it reach this portal? On the appliance, Test Connection in the TMSP',
  '  menu shows which step fails (name lookup, firewall, proxy, certificate).',
  '- If it is down on purpose, set a maintenance window on its page, or retire',
  '  it, and no further notices are sent for it.',
].join('\n');

const CHECK_UPLOADS = [
  'What to check:',
  '- The appliance\'s log server settings (protocol, host, port, login):',
  '  Test Connection in the TMSP menu tests each step.',
  '- That this portal\'s log receivers (SFTP, HTTPS) are running and reachable',
  '  from the appliance (firewall, proxy).',
  '- The upload state and last error on the appliance\'s page.',
].join('\n');

const CHECK_DROPPING = [
  'What to check:',
  '- Whether uploads reach this portal: the upload state and last error on',
  '  the appliance\'s page, and Test Connection in the TMSP menu.',
  '- The appliance\'s spool size: a larger spool rides out a longer outage.',
].join('\n');

function reminders(o: RenderOptions): string {
  const every = o.reminderHours === undefined ? 'regularly' : `every ${plural(o.reminderHours, 'hour')}`;
  return `While it stays silent, a reminder follows ${every}.\nYou will also be told when its heartbeats arrive again.`;
}

const footer = (url: string, label: string) => `${label}: ${url}\n\n-- \ntmsp-portal`;

export function render(n: Notice, portalUrl: string, o: RenderOptions = {}): Rendered {
  const name = nameOf(n);
  const url = applianceUrl(portalUrl, n.applianceId);
  const page = n.applianceId === null ? 'Portal' : 'Appliance page';
  const body = (...parts: string[]) => `${parts.filter(Boolean).join('\n\n')}\n`;
  switch (n.kind) {
    case 'silent':
      return {
        subject: `No heartbeat received from registered product: ${name}`,
        text: body(
          `No heartbeat has been received from registered product ${name}.`,
          facts(n, [lastHeartbeat(n), ...sinceRow('Declared silent', n)]),
          CHECK_SILENT, reminders(o), footer(url, page)),
      };
    case 'silent-reminder': {
      const from = n.lastHeartbeatAt ?? n.since;
      return {
        subject: `Reminder: No heartbeat received from registered product: ${name}`,
        text: body(
          `Still no heartbeat from registered product ${name}${from === null ? '' : `, silent for ${duration(n.at - from)}`}.`,
          facts(n, [lastHeartbeat(n), ...sinceRow('Declared silent', n)]),
          CHECK_SILENT, reminders(o), footer(url, page)),
      };
    }
    case 'recovered':
      return {
        subject: `Heartbeat received again from registered product: ${name}`,
        text: body(
          `Heartbeats from registered product ${name} arrive again${n.since === null ? '' : ` after it was silent for ${duration(n.at - n.since)}`}.`,
          facts(n, [lastHeartbeat(n), ...(n.since === null ? [] : [['Silent from', `${utc(n.since)} until ${utc(n.at)}`] as [string, string]])]),
          'No further reminders are sent for this silence.', footer(url, page)),
      };
    case 'not-uploading':
      return {
        subject: `Registered product alive but not uploading logs: ${name}`,
        text: body(
          `Registered product ${name} sends heartbeats, but no logs have arrived from it${n.since === null ? '' : ` for ${duration(n.at - n.since)}`}.`,
          facts(n, [lastHeartbeat(n), ...sinceRow('No logs since', n)]),
          CHECK_UPLOADS, 'You will be told when its logs arrive again.', footer(url, page)),
      };
    case 'uploading-again':
      return {
        subject: `Registered product uploading logs again: ${name}`,
        text: body(
          `Logs from registered product ${name} arrive again${n.since === null ? '' : ` after none for ${duration(n.at - n.since)}`}.`,
          facts(n, [lastHeartbeat(n)]),
          footer(url, page)),
      };
    case 'dropping':
      return {
        subject: `Registered product is dropping logs: ${name}`,
        text: body(
          `Registered product ${name} is dropping logs: records it received were lost before they reached this portal.`,
          facts(n, [lastHeartbeat(n), ...sinceRow('Dropping since', n)]),
          CHECK_DROPPING, footer(url, page)),
      };
    case 'test':
      return {
        subject: 'TMSP portal test notification',
        text: body(
          `This is a test notification from the TMSP portal at ${applianceUrl(portalUrl, null)}, sent ${utc(n.at)}.`,
          'If you are reading it, notifications from this portal reach you.',
          clean(n.detail, 500) ? `Note: ${clean(n.detail, 500)}` : '',
          '-- \ntmsp-portal'),
      };
  }
}
