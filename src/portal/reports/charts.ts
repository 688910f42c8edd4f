// A report's charts as SVG text, drawn on the server by ECharts' SSR
// renderer, so that the page, the PDF (pdfmake's svg node) and a mail show
// the same picture and no browser runs chart code. What ECharts emits is
// cleaned before anyone sees it: its text carries style="" attributes and
// the chart a <style> element of hover rules, both of which the pages'
// Content-Security-Policy (style-src 'self') refuses, and neither of which a
// static picture needs. Styles become presentation attributes; the rest of
// what is left is paths, rects and text.

import * as echarts from 'echarts/core';
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent, LegendComponent, TitleComponent,
  type GridComponentOption, type LegendComponentOption, type TitleComponentOption,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { count } from '../markup/format.ts';
import { LEVELS, type Level } from './model.ts';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

type Option = echarts.ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption>;

export const FONT = 'DejaVu Sans, sans-serif';
export const NO_DATA = 'No detections';

/** The levels' colours in every chart and PDF; the pages' level badges (static.ts) are tints of them. */
export const LEVEL_COLOURS: Readonly<Record<Level, string>> = { high: '#dc2626', medium: '#f97316', low: '#eab308', info: '#7b93b0' };
export const LEVEL_NAMES: Readonly<Record<Level, string>> = { high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

const INK = '#334155';
const MUTED = '#64748b';
const AXIS = '#cbd5e1';
const SPLIT = '#e2e8f0';
const LINES = ['#2563eb', '#dc2626', '#0d9488', '#7c3aed'];
const CURRENT = '#2563eb';
const PREVIOUS = '#cbd5e1';
const LABEL_PX = 11;
/** DejaVu Sans's average glyph width at 1 px: on the server ECharts has no font to measure with, so room for labels is reckoned by characters. */
const GLYPH = 0.6;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

interface Size {
  width: number;
  height: number;
}

/**
 * Detections per day, stacked by level, high on top: a day's few
 * high-severity detections under thousands of others would be a hairline,
 * so its bars have a least height, and on top nothing covers them.
 */
export function severityTrendChart(o: { days: string[]; bySeverity: Record<Level, number[]>; width: number; height: number }): string {
  const total = LEVELS.reduce((a, l) => a + sum(o.bySeverity[l] ?? []), 0);
  const label = `Detections per day by severity, ${dayRange(o.days)}: ${count(total)} in all`;
  if (total === 0 || o.days.length === 0) return empty(o, label);
  const axis = dayAxis(o.days, o.width - 64);
  const series: BarSeriesOption[] = [...LEVELS].reverse().map((l) => ({
    // A day without any is no bar at all ('-'), or the least height would draw one.
    type: 'bar', name: LEVEL_NAMES[l], stack: 'detections', data: o.days.map((_, i) => o.bySeverity[l]?.[i] || '-'),
    itemStyle: { color: LEVEL_COLOURS[l] }, barCategoryGap: o.days.length > 14 ? '25%' : '40%',
    ...(l === 'high' ? { barMinHeight: 3 } : {}),
  }));
  return render(o, label, {
    legend: { ...legend(), data: LEVELS.map((l) => LEVEL_NAMES[l]) },
    grid: { left: yRoom(o.days.map((_, i) => LEVELS.reduce((a, l) => a + (o.bySeverity[l]?.[i] ?? 0), 0))), right: 14, top: 36, bottom: axis.bottom },
    xAxis: axis.option,
    yAxis: valueAxis(),
    series,
  });
}

/**
 * Lines per day. Two series of very different sizes (hosts in hundreds,
 * callbacks in tens) get an axis each, coloured as their lines, or the
 * smaller would lie flat along the bottom.
 */
export function lineChart(o: { days: string[]; series: Array<{ name: string; values: number[] }>; width: number; height: number }): string {
  const label = `${o.series.map((s) => s.name).join(' and ')} per day, ${dayRange(o.days)}`;
  if (o.days.length === 0 || o.series.every((s) => s.values.every((v) => !v))) return empty(o, label);
  const maxes = o.series.map((s) => Math.max(0, ...s.values));
  const twoAxes = o.series.length === 2 && maxes[0]! > 0 && maxes[1]! > 0 && Math.max(maxes[0]! / maxes[1]!, maxes[1]! / maxes[0]!) >= 4;
  const colour = (i: number) => LINES[i % LINES.length]!;
  const axis = dayAxis(o.days, o.width - 100);
  const series: LineSeriesOption[] = o.series.map((s, i) => ({
    type: 'line', name: s.name, data: o.days.map((_, d) => s.values[d] ?? 0), yAxisIndex: twoAxes ? i : 0,
    color: colour(i), lineStyle: { width: 2, color: colour(i) }, itemStyle: { color: colour(i) },
    symbol: 'circle', symbolSize: o.days.length > 14 ? 4 : 6, showSymbol: true, clip: false,
    ...(i === 0 ? { areaStyle: { color: colour(0), opacity: 0.08 } } : {}),
  }));
  const left = yRoom(o.series[0]?.values ?? []);
  return render(o, label, {
    legend: legend(),
    grid: { left, right: twoAxes ? yRoom(o.series[1]!.values) : 14, top: 36, bottom: axis.bottom },
    xAxis: { ...axis.option, boundaryGap: false },
    yAxis: twoAxes ? [valueAxis(colour(0)), { ...valueAxis(colour(1)), position: 'right', splitLine: { show: false } }] : valueAxis(),
    series,
  });
}

/**
 * This period against the one before, a pair of bars per label, labels
 * down the left where a long category name has room, each bar's number at
 * its end.
 */
export function compareBars(o: { labels: string[]; current: number[]; previous: number[]; currentName: string; previousName: string; width: number; height: number }): string {
  const label = `${o.currentName} against ${o.previousName}: ${o.labels.map((l, i) => `${l} ${count(o.current[i] ?? 0)} (${count(o.previous[i] ?? 0)})`).join(', ')}`;
  if (o.labels.length === 0 || (sum(o.current) === 0 && sum(o.previous) === 0)) return empty(o, label);
  const room = Math.min(Math.round(o.width * 0.34), 190);
  const chars = Math.max(6, Math.floor((room - 10) / (LABEL_PX * GLYPH)));
  const lines = o.labels.map((l) => wrap(l, chars));
  const widest = Math.max(...lines.flatMap((l) => l.split('\n').map((x) => x.length)));
  const max = Math.max(...o.current, ...o.previous);
  const bar = (name: string, data: number[], colour: string, ink: string): BarSeriesOption => ({
    type: 'bar', name, data: o.labels.map((_, i) => data[i] ?? 0), itemStyle: { color: colour }, barGap: '15%', barCategoryGap: '30%',
    label: { show: true, position: 'right', color: ink, fontSize: LABEL_PX - 1, fontFamily: FONT, formatter: (p) => count(Number(p.value)) },
  });
  return render(o, label, {
    legend: legend(),
    grid: { left: Math.ceil(widest * LABEL_PX * GLYPH) + 16, right: Math.ceil(count(max).length * 10 * GLYPH) + 16, top: 34, bottom: 8 },
    yAxis: {
      type: 'category', data: lines, inverse: true, axisTick: { show: false }, axisLine: { lineStyle: { color: AXIS } },
      axisLabel: { color: INK, fontSize: LABEL_PX, fontFamily: FONT, interval: 0, lineHeight: LABEL_PX + 2 },
    },
    xAxis: { ...valueAxis(), splitNumber: 4 },
    series: [bar(o.currentName, o.current, CURRENT, INK), bar(o.previousName, o.previous, PREVIOUS, MUTED)],
  });
}

function render(size: Size, label: string, option: Option): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: INK }, ...option } satisfies Option);
    return clean(chart.renderToSVGString(), label);
  } finally {
    chart.dispose();
  }
}

/** A chart with nothing to draw says so in its middle, where the bars would be. */
function empty(size: Size, label: string): string {
  return render(size, `${label} (${NO_DATA.toLowerCase()})`, {
    title: {
      text: NO_DATA, left: 'center', top: 'middle',
      textStyle: { color: MUTED, fontSize: 14, fontWeight: 'normal', fontFamily: FONT },
    },
  });
}

function legend(): LegendComponentOption {
  return { top: 4, left: 'center', itemWidth: 12, itemHeight: 10, itemGap: 18, icon: 'roundRect', textStyle: { color: INK, fontSize: LABEL_PX, fontFamily: FONT } };
}

function valueAxis(colour?: string) {
  return {
    type: 'value' as const, minInterval: 1, splitNumber: 4,
    axisLabel: { color: colour ?? MUTED, fontSize: LABEL_PX - 1, fontFamily: FONT, formatter: (v: number) => axisNumber(v) },
    splitLine: { lineStyle: { color: SPLIT } },
    axisLine: { show: false },
  };
}

/** Room on the left for the value axis's widest number. */
function yRoom(values: readonly number[]): number {
  const top = Math.max(1, ...values);
  // ECharts rounds the axis's top up to a round number above the largest value; half as much again is room for its label.
  return Math.ceil(axisNumber(top * 1.5).length * (LABEL_PX - 1) * GLYPH) + 14;
}

function axisNumber(v: number): string {
  if (Math.abs(v) >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  return count(Math.round(v));
}

/**
 * The days along the bottom: a week's as "Sun 22", longer periods' as day
 * numbers, as many as fit without touching (every other one for a month on
 * a page's width), the months they are in named once under them.
 */
function dayAxis(days: readonly string[], plotWidth: number): { option: object; bottom: number } {
  const week = days.length <= 7;
  const labels = days.map((d) => {
    const day = Number(d.slice(8, 10));
    return week ? `${WEEKDAYS[weekday(d)]} ${day}` : String(day);
  });
  const slot = plotWidth / Math.max(1, days.length);
  const widest = Math.max(...labels.map((l) => l.length)) * (LABEL_PX - 1) * GLYPH + 6;
  const every = Math.max(1, Math.ceil(widest / slot));
  return {
    bottom: 44,
    option: {
      type: 'category', data: labels,
      name: dayRange(days), nameLocation: 'middle', nameGap: 28, nameTextStyle: { color: MUTED, fontSize: LABEL_PX, fontFamily: FONT },
      axisTick: { alignWithLabel: true, interval: every - 1, lineStyle: { color: AXIS } },
      axisLine: { lineStyle: { color: AXIS } },
      axisLabel: { color: MUTED, fontSize: LABEL_PX - 1, fontFamily: FONT, interval: every - 1, hideOverlap: false },
    },
  };
}

/** "1–30 Nov 2026", "29 Nov – 5 Dec 2026", "28 Dec 2026 – 3 Jan 2027". */
export function dayRange(days: readonly string[]): string {
  if (days.length === 0) return '';
  const [a, b] = [days[0]!, days[days.length - 1]!];
  const part = (d: string) => ({ y: d.slice(0, 4), m: MONTHS[Number(d.slice(5, 7)) - 1] ?? '', d: String(Number(d.slice(8, 10))) });
  const x = part(a);
  const y = part(b);
  if (a === b) return `${x.d} ${x.m} ${x.y}`;
  if (x.y !== y.y) return `${x.d} ${x.m} ${x.y} – ${y.d} ${y.m} ${y.y}`;
  if (x.m !== y.m) return `${x.d} ${x.m} – ${y.d} ${y.m} ${y.y}`;
  return `${x.d}–${y.d} ${x.m} ${x.y}`;
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

function sum(v: readonly number[]): number {
  return v.reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0);
}

/** A label in at most two lines of `n` characters, broken between words, the rest cut with an ellipsis. */
function wrap(s: string, n: number): string {
  if (s.length <= n) return s;
  const words = s.split(/\s+/);
  let first = '';
  while (words.length > 0 && (first === '' ? words[0]!.length : first.length + 1 + words[0]!.length) <= n) first += (first === '' ? '' : ' ') + words.shift()!;
  if (first === '') return `${s.slice(0, n - 1)}…`;
  const rest = words.join(' ');
  return rest.length <= n ? `${first}\n${rest}` : `${first}\n${rest.slice(0, n - 1)}…`;
}

const PRESENTATION = new Set(['font-size', 'font-family', 'font-weight', 'font-style', 'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'opacity']);
let charts = 0;

/**
 * ECharts' SVG made fit to be pasted into a page under our CSP and into a
 * PDF: style="" turned into presentation attributes, the <style> element
 * and the hover classes it served gone, ECharts' own data attributes gone,
 * ids made unique to this chart (a page holds several), a title and an
 * accessible name added, and a class the style sheet sizes it by.
 */
function clean(svg: string, label: string): string {
  const prefix = `tmspc${++charts}-`;
  let out = svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_, decls: string) => {
      const attrs: string[] = [];
      for (const d of decls.split(';')) {
        const at = d.indexOf(':');
        if (at < 0) continue;
        const k = d.slice(0, at).trim().toLowerCase();
        const v = d.slice(at + 1).trim();
        if (PRESENTATION.has(k) && v !== '') attrs.push(` ${k}="${v.replace(/"/g, '&quot;')}"`);
      }
      return attrs.join('');
    })
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    .replace(/ ecmeta_[a-z_]+="[^"]*"/g, '')
    .replace(/ pointer-events="[^"]*"/g, '')
    .replace(/ id="zr\d+-/g, ` id="${prefix}`)
    .replace(/(url\(|href=")#zr\d+-/g, `$1#${prefix}`)
    .replace(/<defs\s*>\s*<\/defs>/g, '')
    .replace(/\n+/g, '\n');
  const title = label.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  out = out.replace(/^<svg /, `<svg class="chart" role="img" aria-label="${title}" font-family="${FONT}" `)
    .replace(/(<svg[^>]*>)/, `$1\n<title>${title}</title>`);
  return out;
}
