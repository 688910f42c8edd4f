// The reports as HTML: every string of the model is text (a threat named
// like markup stays text), figures read with separators and in the
// report's zone, capped lists say how many were left out, the loss of log
// records is said outright, and a model of another version is refused.

import { describe, expect, it } from 'vitest';
import { change, clock, clockSpan, percent, periodName } from '../../src/portal/reports/format.ts';
import { reportBody, reportDocument, ReportVersionError } from '../../src/portal/reports/html.ts';
import { LEVELS, type DailyModel, type ReportModel } from '../../src/portal/reports/model.ts';
import { sampleDaily, sampleMonthly } from '../helpers/report-models.ts';

/** The markup alone, with attribute values emptied: what a browser would run or fetch. */
function markup(s: string): string {
  return (s.match(/<[^>]*>/g) ?? []).join('').replace(/="[^"]*"/g, '=""');
}

function text(s: string): string {
  return s.replace(/<[^>]*>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

describe('report figures', () => {
  it('never round a loss up to 100%', () => {
    expect(percent(4_800_000 / 4_801_700)).toBe('99.96%');
    expect(percent(0.992)).toBe('99.2%');
    expect(percent(0.9999)).toBe('99.99%');
    expect(percent(0.9999999)).toBe('99.9999%');
    expect(percent(1)).toBe('100%');
    expect(percent(0)).toBe('0%');
  });

  it('say changes with a sign, and "new" from none', () => {
    expect(change({ count: 12_940, previous: 11_020 })).toEqual({ text: '+17.4%', direction: 'up' });
    expect(change({ count: 2_300, previous: 2_500 })).toEqual({ text: '−8.0%', direction: 'down' });
    expect(change({ count: 4, previous: 0 }).text).toBe('new');
    expect(change({ count: 7, previous: 7 }).text).toBe('no change');
  });

  it('read times in the report\'s zone', () => {
    const t = Date.UTC(2026, 10, 30, 10);
    expect(clock(t, 'Europe/Berlin', '2026-11-30')).toBe('11:00');
    expect(clock(t, 'America/New_York', '2026-11-30')).toBe('05:00');
    expect(clock(t, 'Europe/Berlin', '2026-11-29')).toBe('30 Nov 11:00');
    expect(clockSpan(Date.UTC(2026, 10, 30, 20), Date.UTC(2026, 10, 30, 23), 'Europe/Berlin', '2026-11-30')).toBe('21:00–24:00');
    expect(periodName('weekly', '2026-11-29', '2026-12-05')).toBe('29 November – 5 December 2026');
  });
});

describe('the daily report as HTML', () => {
  const body = reportBody(sampleDaily());
  const words = text(body);

  it('shows its scope, day, zone and the figures with separators', () => {
    expect(words).toContain('Daily administrative report');
    expect(words).toContain('Account acme');
    expect(words).toContain('Monday, 30 November 2026');
    expect(words).toContain('Europe/Berlin');
    expect(words).toContain('12,940');
    expect(words).toContain('+17.4%');
    expect(words).toContain('4,800,000');
    expect(words).toMatch(/Made 1 December 2026, 02:00/);
  });

  it('says how much of the log never arrived', () => {
    expect(words).toContain('99.96%');
    expect(words).toContain('1,700 records never arrived');
    expect(body).toMatch(/<tfoot><tr class="loss">/);
    expect(words).toContain('11:00–18:00');
  });

  it('lists C&C callbacks in the zone, and how many were left out', () => {
    expect(words).toContain('ümlaut-c2.example.xn--p1ai');
    expect(words).toContain('and 14 more C&C callbacks');
    expect(words).toContain('and 2 more categories');
    // 00:00 UTC is 01:00 in Berlin.
    expect(body).toMatch(/<td class="nowrap">01:00<\/td><td class="nowrap">21:00<\/td>/);
  });

  it('keeps markup from the data as text, and has no script, style attribute or fetch of its own', () => {
    expect(body).toContain('TROJ_&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    const m = markup(body);
    expect(m).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|<img|<link|<iframe|\ssrc=/i);
    expect(body.match(/<svg /g)).toHaveLength(2);
  });

  it('draws a day without detections as "No detections", not as an empty axis', () => {
    const quiet: DailyModel = {
      ...sampleDaily(2), detections: { count: 0, previous: 0 }, bySeverity: LEVELS.map((l) => ({ level: l, count: 0, previous: 0 })),
      byCategory: { items: [], omitted: 0 }, topThreats: [], topHosts: [], cnc: { items: [], omitted: 0 }, network: { items: [], omitted: 0 }, actions: [],
      completeness: { records: 0, dropped: 0, missingRecords: 0, sequenceGaps: 0, lost: 0, ratio: 1 },
    };
    const q = text(reportBody(quiet));
    expect(q).toContain('No detections');
    expect(q).toContain('No host called back to a command-and-control server.');
    expect(q).toContain('Nothing needs doing.');
    expect(q).toContain('Every record the appliances logged has arrived');
  });
});

describe('the monthly report as HTML', () => {
  const body = reportBody(sampleMonthly());
  const words = text(body);

  it('leads with the bottom line and the posture against last month', () => {
    expect(words).toContain('Monthly executive report');
    expect(words).toContain('All appliances');
    expect(words).toContain('November saw 312,400 detections');
    expect(body).toMatch(/class="posture posture-fair"/);
    expect(words).toMatch(/Fair 68 of 100 ▼ worse than October \(74\)/);
    expect(body.indexOf('bottom-line')).toBeLessThan(body.indexOf('Detections per day'));
  });

  it('shows the key figures, the trend charts, availability and completeness', () => {
    for (const s of ['312,400', '+8.1%', '1,230', '842', '99.2%', '−0.3 pts', '99.98%', '15,000 records never arrived', 'and 55 more appliances', '7 h 13 min']) {
      expect(words).toContain(s);
    }
    expect(body.match(/<svg /g)).toHaveLength(2);
    expect(body).toContain('aria-label="Detections per day by severity, 1–30 Nov 2026');
  });
});

describe('a report document', () => {
  it('stands alone: its style inside it, nothing fetched, no script', () => {
    const doc = reportDocument(sampleDaily());
    expect(doc.startsWith('<!doctype html>')).toBe(true);
    expect(doc).toMatch(/<title>Daily administrative report: Account acme, Monday, 30 November 2026<\/title>/);
    expect(doc).toMatch(/<style>[\s\S]*\.tile[\s\S]*<\/style>/);
    const m = markup(doc);
    expect(m).not.toMatch(/<script|<link|\ssrc=|\shref=|\sstyle=/i);
  });

  it('refuses a model of a version it does not know', () => {
    const future = { ...sampleMonthly(), version: 2 } as unknown as ReportModel;
    expect(() => reportBody(future)).toThrow(ReportVersionError);
    expect(() => reportDocument(future)).toThrow(/version 2; this portal reads version 1/);
  });
});
