// Readings of a process from outside, through /proc.

import fs from 'node:fs';

const TICK = 100; // USER_HZ on Linux

/** User + system CPU seconds used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

/** RSS, its anonymous part (heap, buffers: what the program itself holds), and the peak. */
export function memory(pid: number): { rss: number; anon: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), hwm: kb('VmHWM') };
}

/** Unique set size: the pages only this process holds (private clean + dirty), from smaps_rollup. */
export function uss(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return kb('Private_Clean') + kb('Private_Dirty');
}

export function writeBytes(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/write_bytes:\s+(\d+)/.exec(s)![1]);
}

/**
 * RSS sampled every `ms` until stopped: medians of RSS, of its anonymous
 * part, and of the unique set size (read every fifth sample: smaps_rollup
 * walks the page tables, and reading it often would load what is measured).
 */
export class RssSampler {
  private readonly rss: number[] = [];
  private readonly anon: number[] = [];
  private readonly uss: number[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor(pid: number, ms = 100) {
    let n = 0;
    this.timer = setInterval(() => {
      try {
        const m = memory(pid);
        this.rss.push(m.rss);
        this.anon.push(m.anon);
        if (n++ % 5 === 0) this.uss.push(uss(pid));
      } catch {
        // exited
      }
    }, ms);
  }
  stop(): { median: number; anonMedian: number; ussMedian: number; n: number } {
    clearInterval(this.timer);
    return { median: median(this.rss), anonMedian: median(this.anon), ussMedian: median(this.uss), n: this.rss.length };
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface Quiet {
  /** When the process last did work (hrtime ns): the end of what is measured. */
  at: bigint;
  cpu: number;
  written: number;
}

/**
 * Waits until a process has gone quiet, and says when its work ended: the
 * last poll at which it wrote, or its output file grew, or it used more than
 * `cpuShare` of a core. Every receiver is measured to that point, so that one
 * still draining its queue is not read early and one shutting down is not
 * charged its shutdown.
 */
export async function quiet(pid: number, o: { quietMs?: number; cpuShare?: number; pollMs?: number; timeoutMs?: number; size?: () => number } = {}):
  Promise<Quiet> {
  const quietMs = o.quietMs ?? 1500;
  const pollMs = o.pollMs ?? 100;
  const share = o.cpuShare ?? 0.05;
  const end = Date.now() + (o.timeoutMs ?? 600_000);
  const read = () => ({ at: process.hrtime.bigint(), cpu: cpuSeconds(pid), written: writeBytes(pid), size: o.size?.() ?? 0 });
  let prev = read();
  let active: Quiet = prev;
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const now = read();
    const secs = Number(now.at - prev.at) / 1e9;
    if (now.written > prev.written || now.size > prev.size || now.cpu - prev.cpu > share * secs) active = now;
    prev = now;
    if (Number(now.at - active.at) / 1e6 >= quietMs) return { at: active.at, cpu: active.cpu, written: active.written };
    if (Date.now() > end) throw new Error(`process ${pid} never went quiet`);
  }
}
