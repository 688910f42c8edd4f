// A process and its descendants read as one (PostgreSQL forks a backend per
// connection): the live tree found by parent pid in /proc, CPU summed over
// it plus what its finished children used, RSS summed (shared pages, such as
// PostgreSQL's shared buffers, are counted in each process that touched them).

import fs from 'node:fs';
import { cpuSeconds, memory } from './proc.ts';

const TICK = 100; // USER_HZ on Linux

/** The pid and every live descendant. */
export function treeOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const queue = [root]; queue.length > 0;) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU seconds of the live tree, and of the children the root has waited for (cutime + cstime). */
export function treeCpuSeconds(root: number): number {
  const stat = fs.readFileSync(`/proc/${root}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let cpu = (Number(f[13]) + Number(f[14])) / TICK;
  for (const p of treeOf(root)) {
    try {
      cpu += cpuSeconds(p);
    } catch {
      // gone
    }
  }
  return cpu;
}

/** RSS and its anonymous part, summed over the live tree. */
export function treeMemory(root: number): { rss: number; anon: number } {
  let rss = 0;
  let anon = 0;
  for (const p of treeOf(root)) {
    try {
      const m = memory(p);
      rss += m.rss;
      anon += m.anon;
    } catch {
      // gone
    }
  }
  return { rss, anon };
}

/** Summed RSS sampled every `ms` until stopped: medians, and the largest sum seen (a tree has no VmHWM of its own). */
export class TreeRssSampler {
  private readonly rss: number[] = [];
  private readonly anon: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(root: number, ms = 1000) {
    this.timer = setInterval(() => {
      const m = treeMemory(root);
      if (m.rss > 0) {
        this.rss.push(m.rss);
        this.anon.push(m.anon);
      }
    }, ms);
  }

  stop(): { median: number; anonMedian: number; peak: number } {
    clearInterval(this.timer);
    const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : 0);
    return { median: med(this.rss), anonMedian: med(this.anon), peak: this.rss.length ? Math.max(...this.rss) : 0 };
  }
}
