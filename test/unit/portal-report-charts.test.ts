// The reports' charts as the page, the mail and the PDF get them: SVG text
// with nothing the pages' Content-Security-Policy would refuse (no style
// attribute, no <style>, no script), nothing fetched from elsewhere, the
// names a reader looks for, a plain "No detections" where there is nothing
// to draw, and day labels that keep apart on a 31-day month.

import { describe, expect, it } from 'vitest';
import { compareBars, lineChart, NO_DATA, severityTrendChart } from '../../src/portal/reports/charts.ts';
import { LEVELS, type Level } from '../../src/portal/reports/model.ts';
import { sampleMonthly } from '../helpers/report-models.ts';

const days = (n: number, month = '2026-12') => Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
const perLevel = (n: number, f: (l: Level, i: number) => number) => Object.fromEntries(LEVELS.map((l) => [l, Array.from({ length: n }, (_, i) => f(l, i))])) as Record<Level, number[]>;

/** What a browser under our CSP and svg-to-pdfkit both need of it. */
function expectCleanSvg(svg: string, size: { width: number; height: number }): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const open = /^<svg[^>]*>/.exec(svg)![0];
  expect(open).toContain(`width="${size.width}"`);
  expect(open).toContain(`height="${size.height}"`);
  expect(open).toContain(`viewBox="0 0 ${size.width} ${size.height}"`);
  expect(open).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(open).toMatch(/role="img" aria-label="[^"<]+"/);
  // The markup alone: text between tags is escaped, and may say anything.
  const tags = svg.match(/<[^>]*>/g)!.join('');
  expect(tags).not.toMatch(/<script/i);
  expect(tags).not.toMatch(/\sstyle=/i);
  expect(tags).not.toMatch(/<style/i);
  // Attributes by name: what a quoted value says is data too.
  const names = tags.replace(/="[^"]*"/g, '=""');
  expect(names).not.toMatch(/\son[a-z]+=/i);
  expect(tags).not.toMatch(/<(image|foreignObject|use|a)\b/i);
  expect(names).not.toMatch(/(href|src)=/i);
  // References inside the chart only (a clip path), never a fetch.
  for (const m of tags.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^#/);
  expect(tags).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
  expect(svg).toContain('font-family="DejaVu Sans, sans-serif"');
  // Elements a PDF draws: paths, rects, text, groups; nothing else that draws.
  const elements = new Set([...tags.matchAll(/<([a-zA-Z]+)[\s>/]/g)].map((m) => m[1]));
  for (const t of elements) expect(['svg', 'title', 'rect', 'path', 'text', 'g', 'defs', 'clipPath', 'tspan']).toContain(t);
  // Every element that opens closes: the tags nest.
  const stack: string[] = [];
  for (const m of tags.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '') stack.push(m[2]!);
    else expect(stack.pop()).toBe(m[2]);
  }
  expect(stack).toEqual([]);
}

/** The bottom axis's day labels: their text and where they are centred. */
function dayLabels(svg: string): Array<{ text: string; x: number }> {
  return [...svg.matchAll(/<text [^>]*text-anchor="middle"[^>]*transform="translate\(([\d.]+) ([\d.]+)\)"[^>]*>(\d{1,2}|[A-Z][a-z]{2} \d{1,2})<\/text>/g)]
    .map((m) => ({ text: m[3]!, x: Number(m[1]) }));
}

describe('the report charts', () => {
  it('draw the severity trend as clean SVG with the levels in the legend', () => {
    const m = sampleMonthly();
    const svg = severityTrendChart({ days: m.trend.days, bySeverity: m.trend.bySeverity, width: 760, height: 300 });
    expectCleanSvg(svg, { width: 760, height: 300 });
    for (const name of ['High', 'Medium', 'Low', 'Info']) expect(svg).toContain(`>${name}</text>`);
    // Bars in the levels' colours, thousands with separators on the axis.
    for (const colour of ['#dc2626', '#f97316', '#eab308', '#7b93b0']) expect(svg).toContain(`fill="${colour}"`);
    expect(svg).toMatch(/>\d{1,3},\d{3}<\/text>/);
    expect(svg).toContain('1–30 Nov 2026');
    expect(svg).toContain('<title>Detections per day by severity');
  });

  it('keep the day labels of a 31-day month apart, however narrow the chart', () => {
    const month = days(31);
    const bySeverity = perLevel(31, (l, i) => (l === 'high' ? i % 5 : 100 + i * 10));
    for (const width of [1000, 515, 360]) {
      const svg = severityTrendChart({ days: month, bySeverity, width, height: 240 });
      expectCleanSvg(svg, { width, height: 240 });
      const labels = dayLabels(svg);
      expect(labels[0]!.text, `width ${width}`).toBe('1');
      expect(labels.length, `width ${width}`).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < labels.length; i++) {
        const a = labels[i - 1]!;
        const b = labels[i]!;
        // Two-digit labels at 10 px are about 12 px wide: centres farther apart than that do not touch.
        expect(b.x - a.x, `width ${width}: ${a.text} and ${b.text}`).toBeGreaterThan(14);
      }
    }
    // Wide enough, every day is named.
    expect(dayLabels(severityTrendChart({ days: month, bySeverity, width: 1000, height: 240 })).map((l) => l.text)).toEqual(month.map((d) => String(Number(d.slice(8)))));
  });

  it('name a week\'s days by weekday', () => {
    const week = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'];
    const svg = severityTrendChart({ days: week, bySeverity: perLevel(7, () => 5), width: 515, height: 220 });
    expectCleanSvg(svg, { width: 515, height: 220 });
    expect(dayLabels(svg).map((l) => l.text)).toEqual(['Sun 29', 'Mon 30', 'Tue 1', 'Wed 2', 'Thu 3', 'Fri 4', 'Sat 5']);
    expect(svg).toContain('29 Nov – 5 Dec 2026');
  });

  it('say "No detections" instead of drawing an empty axis', () => {
    const month = days(31);
    const charts = [
      severityTrendChart({ days: month, bySeverity: perLevel(31, () => 0), width: 500, height: 200 }),
      severityTrendChart({ days: [], bySeverity: perLevel(0, () => 0), width: 500, height: 200 }),
      lineChart({ days: month, series: [{ name: 'Affected hosts', values: month.map(() => 0) }, { name: 'C&C callbacks', values: [] }], width: 500, height: 200 }),
      compareBars({ labels: ['High', 'Medium'], current: [0, 0], previous: [0, 0], currentName: '30 Nov', previousName: '29 Nov', width: 400, height: 200 }),
      compareBars({ labels: [], current: [], previous: [], currentName: '30 Nov', previousName: '29 Nov', width: 400, height: 200 }),
    ];
    for (const svg of charts) {
      expectCleanSvg(svg, /width="400"/.test(svg) ? { width: 400, height: 200 } : { width: 500, height: 200 });
      expect(svg).toContain(`>${NO_DATA}</text>`);
      expect(dayLabels(svg)).toEqual([]);
      expect(svg).not.toMatch(/>0<\/text>/);
    }
  });

  it('draw lines per day with their names, a second axis when one series is far smaller', () => {
    const m = sampleMonthly();
    const svg = lineChart({
      days: m.trend.days, width: 760, height: 260,
      series: [{ name: 'Affected hosts', values: m.trend.affectedHosts }, { name: 'C&C callbacks', values: m.trend.cnc }],
    });
    expectCleanSvg(svg, { width: 760, height: 260 });
    expect(svg).toContain('>Affected hosts</text>');
    expect(svg).toContain('>C&amp;C callbacks</text>');
    // The callbacks' axis is coloured as their line, on the right.
    expect(svg).toMatch(/text-anchor="start"[^>]*fill="#dc2626">\d+<\/text>/);
    const one = lineChart({ days: m.trend.days, series: [{ name: 'Affected hosts', values: m.trend.affectedHosts }], width: 500, height: 200 });
    expectCleanSvg(one, { width: 500, height: 200 });
    expect(one).not.toContain(NO_DATA);
  });

  it('compare two periods per label, long labels in two lines, every number with separators', () => {
    const svg = compareBars({
      labels: ['malware', 'command and control communication', 'exploit'], current: [4_000, 3_400, 0], previous: [3_500, 12_000, 10],
      currentName: '30 Nov', previousName: '29 Nov', width: 560, height: 220,
    });
    expectCleanSvg(svg, { width: 560, height: 220 });
    for (const s of ['>30 Nov</text>', '>29 Nov</text>', '>malware</text>', '>exploit</text>', '>4,000</text>', '>12,000</text>', '>command and control</text>', '>communication</text>']) {
      expect(svg).toContain(s);
    }
  });

  it('keep markup in labels as text, and ids of one chart apart from another\'s', () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const svg = compareBars({ labels: [hostile], current: [3], previous: [1], currentName: hostile, previousName: 'before', width: 400, height: 160 });
    expectCleanSvg(svg, { width: 400, height: 160 });
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).not.toContain('<img');
    const a = lineChart({ days: days(3), series: [{ name: 'x', values: [1, 2, 3] }], width: 300, height: 150 });
    const b = lineChart({ days: days(3), series: [{ name: 'x', values: [1, 2, 3] }], width: 300, height: 150 });
    const ids = (s: string) => [...s.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    for (const id of ids(a)) expect(ids(b)).not.toContain(id);
  });
});
