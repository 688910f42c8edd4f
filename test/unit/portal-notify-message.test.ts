// What a person reads in a notification: TMSP's subjects word for word, and
// bodies that say which appliance, since when, why, what to check, what
// comes next and where its page is. Names from the network stay one line.

import { describe, expect, it } from 'vitest';
import { applianceUrl, duration, render } from '../../src/portal/notify/message.ts';
import type { Notice } from '../../src/portal/notify/notice.ts';

const MIN = 60_000;
const AT = Date.parse('2026-03-01T10:00:00Z');
const PORTAL = 'https://portal.example:9443';

const notice = (o: Partial<Notice> = {}): Notice => ({
  kind: 'silent', applianceId: 'tps-7f3a', hostname: 'fw-berlin-01', product: 'TippingPoint TPS', model: '440T', account: 'acme',
  at: AT, lastHeartbeatAt: AT - 47 * MIN, since: AT - 20 * MIN, detail: 'last will received', recipients: [], ...o,
});

describe('a silent appliance\'s notification', () => {
  const m = render(notice(), PORTAL, { reminderHours: 24 });

  it('has TMSP\'s subject, naming the appliance by its hostname', () => {
    expect(m.subject).toBe('No heartbeat received from registered product: fw-berlin-01');
  });

  it('says which appliance, when its last heartbeat came, and why', () => {
    expect(m.text).toContain('No heartbeat has been received from registered product fw-berlin-01.');
    expect(m.text).toContain('Appliance:       fw-berlin-01');
    expect(m.text).toContain('Appliance ID:    tps-7f3a');
    expect(m.text).toContain('Product:         TippingPoint TPS, model 440T');
    expect(m.text).toContain('Account:         acme');
    expect(m.text).toContain('Last heartbeat:  2026-03-01T09:13:00Z (47 minutes ago)');
    expect(m.text).toContain('Declared silent: 2026-03-01T09:40:00Z (20 minutes ago)');
    expect(m.text).toContain('Reason:          last will received');
  });

  it('says what to check, that reminders follow and how often, and links the appliance\'s page', () => {
    expect(m.text).toContain('What to check:');
    expect(m.text).toContain('Test Connection');
    expect(m.text).toContain('maintenance window');
    expect(m.text).toContain('While it stays silent, a reminder follows every 24 hours.');
    expect(m.text).toContain('told when its heartbeats arrive again');
    expect(m.text).toContain('Appliance page: https://portal.example:9443/appliances/tps-7f3a');
  });

  it('names the appliance by its id when it registered no hostname', () => {
    expect(render(notice({ hostname: null }), PORTAL).subject).toBe('No heartbeat received from registered product: tps-7f3a');
  });

  it('says "never" when no heartbeat ever came', () => {
    expect(render(notice({ lastHeartbeatAt: null }), PORTAL).text).toContain('Last heartbeat:  never');
  });
});

describe('the other notifications', () => {
  it('a reminder: "Reminder:" before TMSP\'s subject, and how long it has been silent', () => {
    const m = render(notice({ kind: 'silent-reminder', at: AT + 25 * 60 * MIN - 47 * MIN }), PORTAL, { reminderHours: 24 });
    expect(m.subject).toBe('Reminder: No heartbeat received from registered product: fw-berlin-01');
    expect(m.text).toContain('Still no heartbeat from registered product fw-berlin-01, silent for 25 hours.');
    expect(m.text).toContain('a reminder follows every 24 hours');
  });

  it('a recovery: heartbeats again, and for how long it was silent', () => {
    const m = render(notice({ kind: 'recovered', lastHeartbeatAt: AT, since: AT - 125 * MIN, detail: '' }), PORTAL);
    expect(m.subject).toBe('Heartbeat received again from registered product: fw-berlin-01');
    expect(m.text).toContain('arrive again after it was silent for 2 hours 5 minutes.');
    expect(m.text).toContain('Silent from:     2026-03-01T07:55:00Z until 2026-03-01T10:00:00Z');
    expect(m.text).toContain('No further reminders');
    expect(m.text).not.toContain('Reason:');
  });

  it('alive but not uploading, uploading again, dropping, test: their subjects and reasons', () => {
    const up = render(notice({ kind: 'not-uploading', since: AT - 3 * 60 * MIN, detail: 'spool holds 1,234 records, oldest 2 h' }), PORTAL);
    expect(up.subject).toBe('Registered product alive but not uploading logs: fw-berlin-01');
    expect(up.text).toContain('sends heartbeats, but no logs have arrived from it for 3 hours.');
    expect(up.text).toContain('Reason:          spool holds 1,234 records, oldest 2 h');
    expect(up.text).toContain('log server settings');
    expect(render(notice({ kind: 'uploading-again' }), PORTAL).subject).toBe('Registered product uploading logs again: fw-berlin-01');
    const drop = render(notice({ kind: 'dropping', detail: 'dropped 512 records since last heartbeat' }), PORTAL);
    expect(drop.subject).toBe('Registered product is dropping logs: fw-berlin-01');
    expect(drop.text).toContain('Reason:          dropped 512 records since last heartbeat');
    const test = render(notice({ kind: 'test', applianceId: null, hostname: null, detail: '' }), `${PORTAL}/`);
    expect(test.subject).toBe('TMSP portal test notification');
    expect(test.text).toContain('from the TMSP portal at https://portal.example:9443, sent 2026-03-01T10:00:00Z.');
  });
});

describe('what comes from the appliance', () => {
  it('cannot break a subject or a body line: control characters become spaces, lengths are bounded', () => {
    const m = render(notice({ hostname: 'evil\r\nBcc: victim@example.com', detail: `a\nb${'x'.repeat(2000)}` }), PORTAL);
    expect(m.subject).toBe('No heartbeat received from registered product: evil Bcc: victim@example.com');
    expect(m.text).not.toMatch(/\nBcc:/);
    const reason = m.text.split('\n').find((l) => l.startsWith('Reason:'))!;
    expect(reason.length).toBeLessThan(600);
  });

  it('is escaped in the page URL', () => {
    expect(applianceUrl(`${PORTAL}/`, 'a b/c')).toBe('https://portal.example:9443/appliances/a%20b%2Fc');
  });
});

describe('durations', () => {
  it('are minutes while they mean something, then hours, then days', () => {
    expect(duration(20_000)).toBe('less than a minute');
    expect(duration(MIN)).toBe('1 minute');
    expect(duration(119 * MIN)).toBe('119 minutes');
    expect(duration(120 * MIN)).toBe('2 hours');
    expect(duration(47 * 60 * MIN + 59 * MIN)).toBe('47 hours 59 minutes');
    expect(duration(49 * 60 * MIN)).toBe('2 days 1 hour');
    expect(duration(3 * 24 * 60 * MIN)).toBe('3 days');
  });
});
