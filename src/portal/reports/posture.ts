// The executive reports' posture: a score out of 100 that falls with what
// an executive should worry about, each part capped so one cause cannot
// hide the others:
//   hosts that called back to C&C servers   15 each, at most 45
//   high-severity detections per appliance and day (r)   5·log2(1+r), at most 25
//   time the appliances were not heard      150 × the share missed, at most 15
//   records that never arrived              1500 × the share lost, at most 15
// Good from 85, fair from 65, poor from 40, critical below. A change of 3
// points or more against the period before is a trend; less is "same".

import type { Action, CountVsPrevious, Posture } from './model.ts';
import { count } from '../markup/format.ts';

export interface PostureInput {
  cncHosts: number;
  high: number;
  appliances: number;
  days: number;
  /** 0..1 */
  uptime: number;
  completeness: number;
}

export function postureOf(i: PostureInput): { level: Posture; score: number } {
  const rate = i.high / Math.max(1, i.appliances * i.days);
  const penalty = Math.min(45, 15 * i.cncHosts) + Math.min(25, 5 * Math.log2(1 + rate))
    + Math.min(15, 150 * (1 - i.uptime)) + Math.min(15, 1500 * (1 - i.completeness));
  const score = Math.max(0, Math.min(100, Math.round(100 - penalty)));
  return { score, level: score >= 85 ? 'good' : score >= 65 ? 'fair' : score >= 40 ? 'poor' : 'critical' };
}

export function trendOf(score: number, previous: number): 'better' | 'same' | 'worse' {
  return score - previous >= 3 ? 'better' : previous - score >= 3 ? 'worse' : 'same';
}

function pct(x: number): string {
  const p = x * 100;
  return `${p >= 99.95 && p < 100 ? '99.9' : p.toFixed(p === 100 || p === 0 ? 0 : 1)}%`;
}

function change(c: CountVsPrevious): string {
  if (c.previous === 0) return c.count === 0 ? 'as many as' : 'up from none in';
  const d = (c.count - c.previous) / c.previous;
  if (Math.abs(d) < 0.005) return 'about as many as';
  return `${Math.round(Math.abs(d) * 100)}% ${d > 0 ? 'more' : 'fewer'} than`;
}

export function bottomLine(o: {
  type: 'weekly' | 'monthly';
  totals: { detections: CountVsPrevious; high: CountVsPrevious; cncHosts: CountVsPrevious; cnc: CountVsPrevious };
  posture: { level: Posture; score: number; previousScore: number; trend: 'better' | 'same' | 'worse' };
  uptime: number;
  completeness: number;
  first: Action | undefined;
}): string {
  const period = o.type === 'weekly' ? 'This week' : 'This month';
  const before = o.type === 'weekly' ? 'the week before' : 'the month before';
  const t = o.totals;
  const parts = [
    `${period} saw ${count(t.detections.count)} detections, ${change(t.detections)} ${before}; ${count(t.high.count)} of them were high severity.`,
    t.cncHosts.count > 0
      ? `${count(t.cncHosts.count)} ${t.cncHosts.count === 1 ? 'host' : 'hosts'} called back to command-and-control servers (${count(t.cnc.count)} callbacks): they are the first thing to act on.`
      : 'No host called back to a command-and-control server.',
    `The appliances were heard ${pct(o.uptime)} of the time and delivered ${pct(o.completeness)} of their records.`,
    `Security posture: ${o.posture.level} (${o.posture.score} of 100, ${o.posture.trend === 'same' ? 'about the same as' : o.posture.trend === 'better' ? 'better than' : 'worse than'} ${before}'s ${o.posture.previousScore}).`,
  ];
  if (o.first && t.cncHosts.count === 0) parts.push(`First to act on: ${o.first.finding}`);
  return parts.join(' ');
}
