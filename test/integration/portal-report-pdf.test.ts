// The reports as PDF, read back the way a reader's tools read them: poppler
// extracts the text (the figures, the bottom line, the C&C address with its
// umlaut, "and 14 more"), lists the fonts (every one embedded), and draws
// the pages (test-output/reports/report-*.png, for a person to look at).
// Long tables go on over pages with their headings repeated and no row cut
// in two; a character the font lacks prints as a visible placeholder; a
// model of another version is refused.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FONT_FILES } from '../../src/portal/reports/pdf/fonts.ts';
import { PLACEHOLDER, printable } from '../../src/portal/reports/pdf/glyphs.ts';
import { reportPdf } from '../../src/portal/reports/pdf/pdf.ts';
import type { ReportModel } from '../../src/portal/reports/model.ts';
import { outputDir } from '../helpers/output.ts';
import { sampleDaily, sampleMonthly } from '../helpers/report-models.ts';

const out = outputDir('reports');

function save(name: string, pdf: Buffer): string {
  const file = path.join(out, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  return file;
}

function text(file: string, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

function pages(file: string): number {
  return Number(/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
}

/** Every font pdffonts lists, with its "emb" column. */
function fonts(file: string): Array<{ name: string; embedded: boolean }> {
  return execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => {
    const cols = l.trim().split(/\s+/);
    // name, type (one or more words), encoding, emb, sub, uni, object id, generation.
    return { name: cols[0]!, embedded: cols[cols.length - 5] === 'yes' };
  });
}

/** The words of `phrase` in `haystack` in order: a paragraph beside another column comes out with that column's words between its lines. */
function inOrder(haystack: string, phrase: string): boolean {
  let at = 0;
  for (const w of phrase.split(/\s+/)) {
    const i = haystack.indexOf(w, at);
    if (i < 0) return false;
    at = i + w.length;
  }
  return true;
}

/** test-output/reports/report-<name>-p1.png …, drawn as a person sees them. */
function draw(file: string, name: string): string[] {
  for (const f of fs.readdirSync(out)) if (f.startsWith(`report-${name}-p`)) fs.rmSync(path.join(out, f));
  execFileSync('pdftoppm', ['-png', '-r', '60', file, path.join(out, `report-${name}-p`)]);
  // pdftoppm numbers pages "-1", "-01" or "-001" by their count; the names say p1, p2, … whatever it chose.
  return fs.readdirSync(out).filter((f) => f.startsWith(`report-${name}-p-`)).sort().map((f) => {
    const n = Number(/-(\d+)\.png$/.exec(f)![1]);
    const to = `report-${name}-p${n}.png`;
    fs.renameSync(path.join(out, f), path.join(out, to));
    return to;
  });
}

function wholePdf(pdf: Buffer): void {
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.subarray(-16).toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
}

describe('the daily report as PDF', () => {
  let file: string;
  let all: string;
  beforeAll(async () => {
    const pdf = await reportPdf(sampleDaily());
    wholePdf(pdf);
    file = save('report-daily', pdf);
    all = text(file);
  });

  it('holds the figures a reader relies on', () => {
    for (const s of [
      'Daily administrative report', 'Account acme', 'Monday, 30 November 2026', 'times in Europe/Berlin',
      '12,940', '+17.4%', '1,530', '99.96%', '1,700 records never arrived', '1,200', '4,800,000',
      'TROJ_<script>alert(1)</script> & Co', 'ümlaut-c2.example.xn--p1ai', 'and 14 more C&C callbacks', 'and 2 more categories',
      // ddi-001's silence, 10:00 to 17:00 UTC, in Berlin's winter time.
      '11:00–18:00',
      'Isolate the hosts from the network',
    ]) expect(all, s).toContain(s);
  });

  it('prints a character the font lacks as a visible placeholder, and says so once', () => {
    expect(all).toContain(`${PLACEHOLDER.repeat(4)}-${PLACEHOLDER.repeat(2)}`);
    expect(all).toContain('cannot show');
    expect(printable('センサー-東京')).toEqual({ text: `${PLACEHOLDER.repeat(4)}-${PLACEHOLDER.repeat(2)}`, replaced: 6 });
    // Latin, Greek and Cyrillic print; a zero-width joiner the font lacks shows nothing, and is dropped rather than marked.
    expect(printable('Zürich Αθήνα Москва')).toEqual({ text: 'Zürich Αθήνα Москва', replaced: 0 });
    expect(printable('a\u200db').replaced).toBe(0);
  });

  it('carries the header and the footer on every page, A4 portrait', () => {
    const n = pages(file);
    expect(n).toBeGreaterThan(1);
    for (let p = 1; p <= n; p++) {
      const t = text(file, p);
      expect(t, `page ${p}`).toMatch(/TMSP\s+Daily administrative report\s+Account acme · Monday, 30 November 2026/);
      expect(t, `page ${p}`).toContain(`Page ${p} of ${n}`);
      expect(t, `page ${p}`).toContain('tmsp.example.net');
      expect(t, `page ${p}`).toContain('Made 1 December 2026, 02:00 (Europe/Berlin)');
    }
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/);
  });

  it('embeds every font it uses', () => {
    const list = fonts(file);
    expect(list.map((f) => f.name.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(list.filter((f) => !f.embedded)).toEqual([]);
  });

  it('draws its pages', () => {
    expect(draw(file, 'daily')).toContain('report-daily-p1.png');
  });
});

describe('a long table across pages', () => {
  it('repeats its title and headings on the next page and never cuts a row', async () => {
    const file = save('report-daily-120', await reportPdf(sampleDaily(120)));
    const n = pages(file);
    expect(n).toBeGreaterThan(3);
    const p2 = text(file, 2);
    expect(p2).toContain('Appliance status');
    expect(p2).toMatch(/Appliance\s+State\s+Online\s+Heartbeat gaps\s+Last batch\s+Records\s+Dropped\s+Missing\s+Detections/);
    // Each appliance's id (with its model) and host name are lines of one row: they are on the same page.
    let rows = 0;
    for (let p = 1; p <= n; p++) {
      const t = text(file, p);
      for (const [, id] of t.matchAll(/\bddi-(\d{3}) +DDI 4200/g)) {
        rows++;
        const i = Number(id);
        if (i === 3) continue;
        expect(t, `ddi-${id} on page ${p}`).toContain(`sensor-${i}.example.net`);
      }
    }
    expect(rows).toBe(120);
    draw(file, 'daily-120');
  });
});

describe('the monthly report as PDF', () => {
  let file: string;
  let all: string;
  beforeAll(async () => {
    const pdf = await reportPdf(sampleMonthly());
    wholePdf(pdf);
    file = save('report-monthly', pdf);
    all = text(file);
  });

  it('leads with the bottom line and the posture, then the figures', () => {
    expect(inOrder(all.replace(/\s+/g, ' '), sampleMonthly().bottomLine)).toBe(true);
    for (const s of [
      'Monthly executive report', 'All appliances', 'November 2026', 'compared with October', 'Fair', '68 of 100', 'worse than October (74)',
      '312,400', '+8.1%', '1,230', '842', '410', '+55.6%', '99.2%', '−0.3 pts',
      'Detections per day', 'Affected hosts and C&C callbacks per day', 'Top risks', 'Top hosts', 'Appliance availability',
      'The fleet was heard 99.2% of the time (99.5% in October', 'and 55 more appliances', '7 h 13 min', 'Prioritised actions', 'Page 1 of',
    ]) expect(all, s).toContain(s);
    // No name in this model needs the placeholder, so there is no note about it.
    expect(all).not.toContain('cannot show');
  });

  it('draws its charts as vectors, their text in the embedded font', () => {
    // The charts' axis labels and legends are text: the days, the levels, the series.
    expect(all).toMatch(/High\s+Medium\s+Low\s+Info/);
    expect(all).toMatch(/Affected hosts\s+C&C callbacks/);
    expect(all).toContain('1–30 Nov 2026');
    expect(fonts(file).filter((f) => !f.embedded)).toEqual([]);
  });

  it('draws its pages', () => {
    expect(draw(file, 'monthly')).toContain('report-monthly-p1.png');
  });
});

describe('making a PDF', () => {
  it('refuses a model of another version', async () => {
    const model = { ...sampleDaily(), version: 2 } as unknown as ReportModel;
    await expect(reportPdf(model)).rejects.toMatchObject({ code: 'E_STATE' });
  });

  it('makes the same bytes from the same model, whenever it is made', async () => {
    const a = await reportPdf(sampleMonthly());
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await reportPdf(sampleMonthly())).equals(a)).toBe(true);
  });

  it('takes well under a second for a bounded model', async () => {
    const times: Record<string, number> = {};
    for (const [name, model] of [['daily-400', sampleDaily(400)], ['monthly', sampleMonthly()]] as const) {
      await reportPdf(model);
      const t = performance.now();
      await reportPdf(model);
      times[name] = Math.round(performance.now() - t);
    }
    process.stdout.write(`PDF render times (warm): ${JSON.stringify(times)} ms\n`);
    // The bound is loose for a busy CI machine; the measured figures are a few hundred ms.
    expect(times['daily-400']).toBeLessThan(5_000);
    expect(times.monthly).toBeLessThan(2_000);
  });

  it('finds the font beside the bundle, where build.mjs puts it', () => {
    for (const f of Object.values(FONT_FILES)) expect(fs.existsSync(path.join('dist', 'fonts', f)), `dist/fonts/${f}`).toBe(true);
    expect(fs.existsSync(path.join('dist', 'fonts', 'LICENSE'))).toBe(true);
  });
});
