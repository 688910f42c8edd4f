// Heartbeat charts as inline SVG, drawn from the store's 5-minute buckets:
// a sparkline per fleet row and a 24-hour timeline on the appliance page.
// Colours are presentation attributes, not CSS, so that a chart reads the
// same wherever it is pasted (a report, a mail) and needs no style sheet.
//
// A span without heartbeats is a gap only when the appliance should have
// sent one in it: an appliance beating every 15 minutes leaves two empty
// 5-minute buckets between beats by design, and the bucket still running
// has simply not been filled yet. Spans before the appliance was known are
// not gaps either.

import { html, type Html } from './html.ts';
import { iso } from '../markup/format.ts';
import { BUCKET_MS } from '../store/types.ts';

export { BUCKET_MS };
export const DAY_MS = 86_400_000;

export type SlotKind = 'beat' | 'quiet' | 'gap' | 'pending' | 'before';

export interface Slot {
  start: number;
  count: number;
  kind: SlotKind;
}

export interface SlotOptions {
  now: number;
  /** How far back (ms); a day unless told. */
  spanMs?: number;
  bucketMs?: number;
  /** The appliance's heartbeat interval (s), when learned: empty spans shorter than it are expected. */
  intervalS?: number | null;
  /** When the appliance became known: earlier spans are not gaps. */
  since?: number | null;
  /** False when no heartbeat is due at all (retired, or never sent one): then nothing is a gap. */
  due?: boolean;
}

/** The buckets slots() draws: [from, until), as heartbeatBuckets() takes them. */
export function slotWindow(now: number, spanMs = DAY_MS, bucketMs = BUCKET_MS): { from: number; until: number; n: number } {
  const n = Math.max(1, Math.round(spanMs / bucketMs));
  const until = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  return { from: until - n * bucketMs, until, n };
}

/** The spans from `now - span` to the end of the bucket holding `now`, each with its count and what that means. */
export function slots(buckets: ReadonlyArray<{ start: number; count: number }>, o: SlotOptions): Slot[] {
  const size = o.bucketMs ?? BUCKET_MS;
  const { from: first, n } = slotWindow(o.now, o.spanMs, size);
  const counts = new Map<number, number>();
  for (const b of buckets) counts.set(b.start, (counts.get(b.start) ?? 0) + b.count);
  const out: Slot[] = [];
  for (let i = 0; i < n; i++) {
    const start = first + i * size;
    const c = counts.get(start) ?? 0;
    const kind: SlotKind = c > 0 ? 'beat' : start + size > o.now ? 'pending' : o.since != null && start + size <= o.since ? 'before' : 'gap';
    out.push({ start, count: c, kind });
  }
  // Runs of empty spans shorter than one interval are the quiet between beats.
  const allowed = o.due === false ? Infinity : o.intervalS ? Math.max(1, Math.ceil((o.intervalS * 1000) / size)) : 1;
  for (const r of runs(out, 'gap')) if (r.length < allowed) for (let i = r.from; i < r.from + r.length; i++) out[i]!.kind = 'quiet';
  return out;
}

/** Whether an appliance owes heartbeats at all: a retired one does not, nor one that never sent any (it is not set up yet). */
export function dueBeats(a: { state: string; lastHeartbeatAt: number | null }): boolean {
  return a.state !== 'retired' && a.lastHeartbeatAt !== null;
}

/** Consecutive slots of one kind, as index ranges. */
export function runs(s: readonly Slot[], kind: SlotKind): Array<{ from: number; length: number }> {
  const out: Array<{ from: number; length: number }> = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i]!.kind !== kind) continue;
    const from = i;
    while (i + 1 < s.length && s[i + 1]!.kind === kind) i++;
    out.push({ from, length: i - from + 1 });
  }
  return out;
}

const BLUE = '#2563eb';
const RED = '#dc2626';
const RED_BAND = '#fecaca';
const GREY = '#e2e8f0';
const INK = '#64748b';

const f1 = (v: number) => String(Math.round(v * 10) / 10);

function summary(s: readonly Slot[]): string {
  const beats = s.reduce((a, x) => a + x.count, 0);
  const gaps = s.filter((x) => x.kind === 'gap').length;
  return `${beats} heartbeat${beats === 1 ? '' : 's'}; ${gaps === 0 ? 'no gaps' : `${gaps} five-minute span${gaps === 1 ? '' : 's'} without one`}`;
}

/**
 * A polyline of the counts, gaps as a flat zero line with a red rule under
 * them. Runs of equal values keep only their ends, so a steady appliance
 * costs a few points, not 288.
 */
export function sparkline(s: readonly Slot[], o: { width?: number; height?: number } = {}): Html {
  const w = o.width ?? 120;
  const h = o.height ?? 24;
  const max = Math.max(1, ...s.map((x) => x.count));
  const step = s.length > 1 ? w / (s.length - 1) : 0;
  const y = (c: number) => h - 3 - (c / max) * (h - 6);
  // The bucket still running is left out: drawn, it would dip at the end of every healthy line.
  const drawn = s.length > 1 && s[s.length - 1]!.kind === 'pending' ? s.length - 1 : s.length;
  const pts: string[] = [];
  for (let i = 0; i < drawn; i++) {
    const c = s[i]!.count;
    const interior = i > 0 && i < drawn - 1 && s[i - 1]!.count === c && s[i + 1]!.count === c;
    if (!interior) pts.push(`${f1(i * step)},${f1(y(c))}`);
  }
  const rules = runs(s, 'gap').map((r) =>
    html`<rect class="gap" x="${f1(Math.max(0, r.from * step - step / 2))}" y="${h - 2}" width="${f1(Math.max(step, r.length * step))}" height="2" fill="${RED}"/>`);
  const label = `Heartbeats, last 24 h: ${summary(s)}`;
  return html`<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${label}"><title>${label}</title>${rules}<polyline points="${pts.join(' ')}" fill="none" stroke="${BLUE}" stroke-width="1.25" stroke-linejoin="round"/></svg>`;
}

/**
 * Bars per 5-minute span, gaps as red bands the full height with their
 * times in a tooltip, hours along the bottom every three hours (UTC).
 */
export function timeline(s: readonly Slot[], o: { width?: number; height?: number; bucketMs?: number } = {}): Html {
  const w = o.width ?? 960;
  const h = o.height ?? 96;
  const size = o.bucketMs ?? BUCKET_MS;
  const axis = 16;
  const top = 14;
  const plot = h - axis - top;
  const bw = w / Math.max(1, s.length);
  const max = Math.max(1, ...s.map((x) => x.count));
  const hhmm = (t: number) => iso(t).slice(11, 16);
  const parts: Html[] = [html`<rect x="0" y="${top}" width="${w}" height="${plot}" fill="#f8fafc"/>`];
  for (const r of runs(s, 'before')) {
    parts.push(html`<rect class="before" x="${f1(r.from * bw)}" y="${top}" width="${f1(r.length * bw)}" height="${plot}" fill="${GREY}"><title>not known to the portal yet</title></rect>`);
  }
  for (const r of runs(s, 'gap')) {
    const from = s[r.from]!.start;
    const until = s[r.from + r.length - 1]!.start + size;
    const tip = `no heartbeat ${hhmm(from)}–${hhmm(until)} UTC`;
    parts.push(html`<rect class="gap" x="${f1(r.from * bw)}" y="${top}" width="${f1(r.length * bw)}" height="${plot}" fill="${RED_BAND}"><title>${tip}</title></rect>`);
    parts.push(html`<rect x="${f1(r.from * bw)}" y="${top + plot - 2}" width="${f1(r.length * bw)}" height="2" fill="${RED}"/>`);
  }
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    if (x.count === 0) continue;
    const bh = Math.max(1, (x.count / max) * (plot - 2));
    // Touching bars: at 288 a day, spaces between them would read as a pattern, not as data.
    parts.push(html`<rect x="${f1(i * bw)}" y="${f1(top + plot - bh)}" width="${f1(bw + 0.1)}" height="${f1(bh)}" fill="${BLUE}"/>`);
  }
  // Hour marks on the clock's own three-hour boundaries, not every 36th bar.
  const hour = 3_600_000;
  const first = s[0]?.start ?? 0;
  const last = (s[s.length - 1]?.start ?? 0) + size;
  for (let t = Math.ceil(first / (3 * hour)) * 3 * hour; t < last; t += 3 * hour) {
    const x = ((t - first) / size) * bw;
    // Marks below the plot only: a line across the bars would look like a short gap.
    parts.push(html`<line x1="${f1(x)}" y1="${top + plot}" x2="${f1(x)}" y2="${top + plot + 4}" stroke="#94a3b8" stroke-width="1"/>`);
    if (x > 12 && x < w - 12) {
      parts.push(html`<text x="${f1(x)}" y="${h - 3}" font-size="10" text-anchor="middle" fill="${INK}" font-family="sans-serif">${hhmm(t)}</text>`);
    }
  }
  parts.push(html`<text x="${w}" y="10" font-size="10" text-anchor="end" fill="${INK}" font-family="sans-serif">top: ${max} per 5 min</text>`);
  const label = `Heartbeats per five minutes, last 24 h (UTC): ${summary(s)}`;
  return html`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="${label}"><title>${label}</title>${parts}</svg>`;
}
