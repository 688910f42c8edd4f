// The web pages' pure parts: escaping (every value from the store lands in
// HTML through it), the heartbeat charts drawn from known buckets (gaps where
// a heartbeat was due, not where none was), the times and sizes as they
// read, the login sessions' bounds, and the search form's messages.

import { describe, expect, it } from 'vitest';
import { ago, bytes, count, datetimeLocal, duration, hostPort, iso, parseDatetimeLocal, stamp } from '../../src/portal/markup/format.ts';
import { applianceHref, clipped, esc, html, layout, trusted } from '../../src/portal/web/html.ts';
import { parseQuery } from '../../src/portal/web/pages/detections.ts';
import { sessionId, Sessions } from '../../src/portal/web/session.ts';
import { BUCKET_MS, runs, slots, slotWindow, sparkline, timeline } from '../../src/portal/web/svg.ts';

const HOSTILE = '<script>alert(1)</script>';

describe('escaping', () => {
  it('turns markup into text, quotes included', () => {
    expect(esc(HOSTILE)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(esc(`"a" & 'b'`)).toBe('&quot;a&quot; &amp; &#39;b&#39;');
    expect(esc(42)).toBe('42');
  });

  it('replaces control and direction-override characters, which no honest name holds', () => {
    expect(esc('a\u0000b\u202ec\u0007')).toBe('a\ufffdb\ufffdc\ufffd');
    expect(esc('tab\tand\nnewline')).toBe('tab\tand\nnewline');
  });

  it('escapes every value put into the html template, and only what was not made by it', () => {
    const inner = html`<b>${HOSTILE}</b>`;
    const out = html`<p title="${`x" onmouseover="alert(2)`}">${inner}${[HOSTILE, 1, null, undefined, false]}${trusted('<br>')}</p>`.text;
    expect(out).toBe('<p title="x&quot; onmouseover=&quot;alert(2)"><b>&lt;script&gt;alert(1)&lt;/script&gt;</b>&lt;script&gt;alert(1)&lt;/script&gt;1<br></p>');
    expect(out).not.toContain('<script>');
  });

  it('escapes the title and keeps the page free of inline script and style', () => {
    const doc = layout({ title: HOSTILE, user: '<u>', csrf: 'tok"en' }, html`<p>${HOSTILE}</p>`);
    expect(doc).not.toContain('<script>alert');
    expect(doc).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · tmsp-portal</title>');
    expect(doc).toContain('value="tok&quot;en"');
    expect(doc).not.toMatch(/<script>|<script [^>]*>[^<]|style="/);
    expect(doc).toMatch(/<script src="\/static\/app\.js\?v=[0-9a-f]{12}" defer><\/script>/);
  });

  it('encodes appliance ids into links rather than pasting them', () => {
    expect(applianceHref('a/../b?c#"')).toBe('/appliances/a%2F..%2Fb%3Fc%23%22');
  });

  it('clips long text for a cell and keeps it whole in the tooltip', () => {
    expect(clipped('x'.repeat(10), 5).text).toBe('<span title="xxxxxxxxxx">xxxx…</span>');
    expect(clipped(null, 5).text).toContain('—');
  });
});

describe('times and sizes', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('say how long ago, in the largest unit', () => {
    expect(ago(null, now)).toBe('never');
    expect(ago(now - 1000, now)).toBe('just now');
    expect(ago(now + 3000, now)).toBe('just now');
    expect(ago(now - 42_000, now)).toBe('42 s ago');
    expect(ago(now - 3 * 60_000 - 59_000, now)).toBe('3 min ago');
    expect(ago(now - 5 * 3_600_000, now)).toBe('5 h ago');
    expect(ago(now - 2 * 86_400_000 - 1, now)).toBe('2 d ago');
    expect(ago(now + 10 * 60_000, now)).toBe('in 10 min');
  });

  it('give lengths in two units at most', () => {
    expect(duration(45)).toBe('45 s');
    expect(duration(300)).toBe('5 min');
    expect(duration(5400)).toBe('1 h 30 min');
    expect(duration(3 * 86400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(duration(null)).toBe('—');
  });

  it('write UTC to the second', () => {
    expect(iso(Date.parse('2024-05-01T12:34:56.789Z'))).toBe('2024-05-01T12:34:56Z');
    expect(stamp(Date.parse('2024-05-01T12:34:56.789Z'))).toBe('2024-05-01 12:34:56');
    expect(datetimeLocal(Date.parse('2024-05-01T12:34:56Z'))).toBe('2024-05-01T12:34');
    expect(iso(null)).toBe('');
  });

  it('read a datetime-local value as UTC, and refuse what is not a real time', () => {
    expect(parseDatetimeLocal('2024-05-01T12:34')).toBe(Date.parse('2024-05-01T12:34:00Z'));
    expect(parseDatetimeLocal('2024-05-01T12:34:56')).toBe(Date.parse('2024-05-01T12:34:56Z'));
    expect(parseDatetimeLocal('2024-02-31T00:00')).toBeUndefined();
    expect(parseDatetimeLocal('2024-05-01T25:00')).toBeUndefined();
    expect(parseDatetimeLocal('yesterday')).toBeUndefined();
    expect(parseDatetimeLocal('2024-05-01 12:34')).toBeUndefined();
  });

  it('group counts and size bytes', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect(count(999)).toBe('999');
    expect(bytes(0)).toBe('0 B');
    expect(bytes(980)).toBe('980 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(12 * 1024 * 1024)).toBe('12 MiB');
    expect(bytes(150 * 1024)).toBe('150 KiB');
  });

  it('bracket IPv6 hosts before a port', () => {
    expect(hostPort('10.0.0.1', 443)).toBe('10.0.0.1:443');
    expect(hostPort('2001:db8::1', 53)).toBe('[2001:db8::1]:53');
    expect(hostPort('h', null)).toBe('h');
    expect(hostPort(null, null)).toBe('—');
  });
});

describe('heartbeat charts', () => {
  // 12:02:30, so the bucket holding "now" is 12:00-12:05 and still running.
  const now = Date.parse('2024-05-01T12:02:30Z');
  const win = slotWindow(now);
  /** Five beats in every bucket of the day but 10:00-11:00 (twelve buckets). */
  const holeFrom = Date.parse('2024-05-01T10:00:00Z');
  const holeUntil = Date.parse('2024-05-01T11:00:00Z');
  const buckets: Array<{ start: number; count: number }> = [];
  for (let t = win.from; t < win.until - BUCKET_MS; t += BUCKET_MS) if (t < holeFrom || t >= holeUntil) buckets.push({ start: t, count: 5 });

  it('cover the 24 hours up to the running bucket', () => {
    expect(win.n).toBe(288);
    expect(win.until).toBe(Date.parse('2024-05-01T12:05:00Z'));
    expect(win.from).toBe(Date.parse('2024-04-30T12:05:00Z'));
  });

  it('mark the hour without heartbeats as a gap, and the running bucket as pending, not a gap', () => {
    const s = slots(buckets, { now, intervalS: 60 });
    expect(s).toHaveLength(288);
    const gaps = runs(s, 'gap');
    expect(gaps).toHaveLength(1);
    expect(s[gaps[0]!.from]!.start).toBe(holeFrom);
    expect(gaps[0]!.length).toBe(12);
    expect(s[287]!.kind).toBe('pending');
    expect(s.filter((x) => x.kind === 'beat')).toHaveLength(288 - 12 - 1);
  });

  it('do not call the quiet between beats of a slow appliance a gap', () => {
    const every15 = buckets.filter((b) => ((b.start - win.from) / BUCKET_MS) % 3 === 0);
    const s = slots(every15, { now, intervalS: 900 });
    expect(runs(s, 'gap')).toHaveLength(1);
    expect(s.filter((x) => x.kind === 'quiet').length).toBeGreaterThan(100);
    // Without the interval, every empty bucket would be one.
    expect(runs(slots(every15, { now }), 'gap').length).toBeGreaterThan(90);
  });

  it('do not call the time before the appliance was known a gap', () => {
    const since = Date.parse('2024-05-01T06:00:00Z');
    const s = slots(buckets.filter((b) => b.start >= since), { now, intervalS: 60, since });
    expect(runs(s, 'before')).toEqual([{ from: 0, length: (since - win.from) / BUCKET_MS }]);
    expect(runs(s, 'gap')).toHaveLength(1);
  });

  it('draw the sparkline as a polyline that lies flat on zero through the gap, with a red rule under it', () => {
    const s = slots(buckets, { now, intervalS: 60 });
    const svg = sparkline(s, { width: 287, height: 24 }).text;
    expect(svg).toMatch(/^<svg class="spark" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 287 24"/);
    const gapAt = s.findIndex((x) => x.kind === 'gap');
    // One unit per slot: the red rule starts half a slot before the gap's first slot and spans twelve.
    expect(svg).toContain(`<rect class="gap" x="${gapAt - 0.5}" y="22" width="12" height="2" fill="#dc2626"/>`);
    const points = /points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
    const zero = 21;
    const full = 3;
    // A steady appliance costs a few points, not 288: the ends of each flat run.
    expect(points.length).toBeLessThan(12);
    expect(points).toContainEqual([gapAt, zero]);
    expect(points).toContainEqual([gapAt + 11, zero]);
    expect(points).toContainEqual([gapAt - 1, full]);
    // The bucket still running is not drawn, so a healthy line does not dip at its end.
    expect(points[points.length - 1]).toEqual([286, full]);
    expect(svg).toContain('12 five-minute spans without one');
  });

  it('draw the timeline with the gap as a red band, its times in the tooltip, and UTC hours below', () => {
    const svg = timeline(slots(buckets, { now, intervalS: 60 }), { width: 288, height: 96 }).text;
    const gapAt = (holeFrom - win.from) / BUCKET_MS;
    expect(svg).toContain(`<rect class="gap" x="${gapAt}" y="14" width="12" height="66" fill="#fecaca"><title>no heartbeat 10:00–11:00 UTC</title></rect>`);
    expect(svg.match(/class="gap"/g)).toHaveLength(1);
    // 275 bars: every slot with beats.
    expect(svg.match(/fill="#2563eb"/g)).toHaveLength(275);
    for (const hh of ['15:00', '18:00', '21:00', '00:00', '03:00', '06:00', '09:00']) expect(svg).toContain(`>${hh}</text>`);
    expect(svg).toContain('top: 5 per 5 min');
  });

  it('draw an appliance that never beat as a flat line and no gap before it was known', () => {
    const s = slots([], { now, since: now - 1000 });
    expect(runs(s, 'gap')).toHaveLength(0);
    expect(sparkline(s).text).toContain('0 heartbeats; no gaps');
  });
});

describe('sessions', () => {
  it('last their hours, are found only by their id, and carry a CSRF token', () => {
    let t = 1_000_000;
    const s = new Sessions({ hours: 1, now: () => t });
    const { id, session } = s.create('admin');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.get(id)?.user).toBe('admin');
    expect(s.get(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(s.csrfOk(session, session.csrf)).toBe(true);
    expect(s.csrfOk(session, 'x')).toBe(false);
    expect(s.csrfOk(session, null)).toBe(false);
    expect(s.cookie(id)).toBe(`__Host-tmsp-session=${id}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict`);
    t += 3_600_000;
    expect(s.get(id)).toBeUndefined();
  });

  it('hold a bounded number, the oldest going first', () => {
    const s = new Sessions({ hours: 1, now: () => 0, max: 3 });
    const ids = ['a', 'b', 'c', 'd'].map((u) => s.create(u).id);
    expect(s.size).toBe(3);
    expect(s.get(ids[0])).toBeUndefined();
    expect(s.get(ids[3])?.user).toBe('d');
  });

  it('read the id from a Cookie header among others', () => {
    expect(sessionId('a=1; __Host-tmsp-session=abc; b=2')).toBe('abc');
    expect(sessionId('a=1')).toBeUndefined();
    expect(sessionId(undefined)).toBeUndefined();
  });
});

describe('the detection search form', () => {
  const q = (s: string) => parseQuery(new URLSearchParams(s));

  it('turns its fields into a store query with one row more than a page, to know whether there is an older one', () => {
    const { q: query, errors } = q('from=2024-05-01T00:00&until=2024-05-02T00:00&appliance=A1&severity=7&host=10.0.0.5&threat=emotet');
    expect(errors).toEqual([]);
    expect(query).toEqual({
      limit: 51, from: Date.parse('2024-05-01T00:00:00Z'), until: Date.parse('2024-05-02T00:00:00Z'), applianceId: 'A1', minSeverity: 7,
      host: '10.0.0.5', threat: 'emotet',
    });
    expect(q('before=1714521600000:17:A:1').q.before).toEqual({ time: 1714521600000, seq: 17, applianceId: 'A:1' });
  });

  it('names the field of each value it cannot use', () => {
    expect(q('from=soon').errors.map((e) => e.message)).toEqual(['From: “soon” is not a date and time (YYYY-MM-DDTHH:MM, UTC)']);
    expect(q('severity=11').errors.map((e) => e.message)).toEqual(['Minimum severity: a whole number from 0 to 10']);
    expect(q('severity=-1').errors[0]!.field).toBe('severity');
    expect(q('from=2024-05-02T00:00&until=2024-05-01T00:00').errors.map((e) => e.message)).toEqual(['Until: must be later than From']);
    expect(q(`host=${'h'.repeat(256)}`).errors[0]!.message).toBe('Host: at most 255 characters');
    expect(q(`threat=${'t'.repeat(201)}`).errors[0]!.field).toBe('threat');
    expect(q('before=garbage').errors[0]!.field).toBe('before');
  });
});
