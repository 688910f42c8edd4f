// Sample report models for the renderings' tests: long enough that tables
// break across pages, with the characters a reader's data carries (accents,
// CJK host names, markup that must be escaped).

import { LEVELS, MODEL_VERSION, type DailyModel, type ExecutiveModel, type Level } from '../../src/portal/reports/model.ts';

const T0 = Date.UTC(2026, 10, 30);
const H = 3_600_000;

function level(i: number): Level {
  return LEVELS[i % LEVELS.length]!;
}

export function sampleDaily(appliances = 40): DailyModel {
  return {
    version: MODEL_VERSION, type: 'daily', scope: 'acme', timeZone: 'Europe/Berlin', first: '2026-11-30', last: '2026-11-30',
    from: T0 - H, until: T0 + 23 * H, previous: { first: '2026-11-29', last: '2026-11-29' }, madeAt: T0 + 25 * H, portal: 'tmsp.example.net',
    fleet: { 'never-seen': 1, online: appliances - 4, late: 1, silent: 1, offline: 1, retired: 0 },
    appliances: {
      items: Array.from({ length: appliances }, (_, i) => ({
        id: `ddi-${String(i).padStart(3, '0')}`, hostname: i === 3 ? 'センサー-東京' : `sensor-${i}.example.net`, model: 'DDI 4200',
        state: i === 1 ? 'silent' : i === 2 ? 'offline' : 'online', onlineS: i === 1 ? 61_200 : 86_400, periodS: 86_400,
        heartbeatGaps: i === 1 ? { items: [{ from: T0 + 10 * H, until: T0 + 17 * H }], omitted: 0 } : { items: [], omitted: 0 },
        lastBatchAt: T0 + 22 * H, batches: 24, records: 120_000 + i * 17, dropped: i === 5 ? 1_200 : 0, sequenceGaps: i === 6 ? 1 : 0,
        missingRecords: i === 6 ? 500 : 0, detections: 300 + i,
      })),
      omitted: 0,
    },
    completeness: { records: 4_800_000, dropped: 1_200, missingRecords: 500, sequenceGaps: 1, lost: 1_700, ratio: 4_800_000 / 4_801_700 },
    detections: { count: 12_940, previous: 11_020 },
    callbacks: { count: 1_530, previous: 1_210, hosts: 23 },
    affectedHosts: { count: 412, previous: 398 },
    bySeverity: LEVELS.map((l, i) => ({ level: l, count: [120, 2_300, 6_000, 4_520][i]!, previous: [80, 2_500, 5_000, 3_440][i]! })),
    byCategory: {
      items: ['malware', 'command and control communication', 'exploit', 'network', 'grayware', 'phishing'].map((c, i) => ({
        category: c, count: 4_000 - i * 600, previous: 3_500 - i * 500,
      })),
      omitted: 2,
    },
    topThreats: Array.from({ length: 10 }, (_, i) => ({
      threat: i === 0 ? 'TROJ_<script>alert(1)</script> & Co' : `Malware URL requested - Type ${i}`, category: 'malware', level: level(i),
      count: 2_000 - i * 150, appliances: 10 - i,
    })),
    topHosts: Array.from({ length: 10 }, (_, i) => ({ host: `172.16.1.${190 + i}`, count: 900 - i * 70, level: level(i), cnc: i < 3 ? 12 - i : 0 })),
    cnc: {
      items: Array.from({ length: 60 }, (_, i) => ({
        host: `172.16.${Math.floor(i / 10)}.${i}`, address: i === 4 ? 'ümlaut-c2.example.xn--p1ai' : `c2-${i}.bad.example`, applianceId: `ddi-00${i % 8}`,
        level: level(i), count: 60 - i, firstSeen: T0 + i * 60_000, lastSeen: T0 + 20 * H + i * 60_000,
      })),
      omitted: 14,
    },
    network: {
      items: Array.from({ length: 6 }, (_, i) => ({
        threat: `Windows Remote Management Service Detected - HTTP ${i}`, category: 'network', level: level(i + 1), count: 400 - i * 50, appliances: 3,
      })),
      omitted: 0,
    },
    actions: [
      { priority: 1, level: 'high', finding: '3 hosts called back to command-and-control servers 37 times.', action: 'Isolate the hosts from the network, reimage them, and block the callback addresses at the perimeter.' },
      { priority: 2, level: 'medium', finding: 'ddi-005 dropped 1,200 records: its spool was full.', action: 'Check the appliance\'s uplink and upload interval; a larger spool or a shorter interval keeps the records.' },
      { priority: 3, level: 'low', finding: 'ddi-001 sent no heartbeat for 7 hours.', action: 'Check that the appliance is powered and can reach the status server.' },
    ],
  };
}

export function sampleMonthly(): ExecutiveModel {
  const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
  return {
    version: MODEL_VERSION, type: 'monthly', scope: '*', timeZone: 'America/New_York', first: '2026-11-01', last: '2026-11-30',
    from: Date.UTC(2026, 10, 1, 4), until: Date.UTC(2026, 11, 1, 5), previous: { first: '2026-10-01', last: '2026-10-31' },
    madeAt: Date.UTC(2026, 11, 1, 7), portal: 'tmsp.example.net',
    bottomLine: 'November saw 312,400 detections, 8% more than October, 1,230 of them high severity. 14 hosts called back to command-and-control servers; '
      + 'they are the first thing to act on. The appliances were up 99.2% of the time and sent 99.98% of their records.',
    posture: { level: 'fair', score: 68, previousScore: 74, trend: 'worse' },
    totals: {
      detections: { count: 312_400, previous: 289_000 }, high: { count: 1_230, previous: 990 }, affectedHosts: { count: 842, previous: 799 },
      cnc: { count: 410, previous: 380 }, cncHosts: { count: 14, previous: 9 },
    },
    trend: {
      days,
      bySeverity: {
        high: days.map((_, i) => 30 + (i % 7) * 3), medium: days.map((_, i) => 2_000 + (i % 5) * 100),
        low: days.map((_, i) => 5_000 + (i % 3) * 300), info: days.map((_, i) => 3_000 + (i % 4) * 200),
      },
      affectedHosts: days.map((_, i) => 200 + (i % 6) * 10), cnc: days.map((_, i) => (i === 12 ? 0 : 10 + (i % 4))),
    },
    topRisks: Array.from({ length: 10 }, (_, i) => ({
      threat: `Malware URL requested - Type ${i}`, category: i % 2 ? 'malware' : 'command and control communication', level: level(i),
      count: 20_000 - i * 1_500, appliances: 40 - i,
    })),
    topHosts: Array.from({ length: 10 }, (_, i) => ({ host: `10.0.0.${i + 1}`, count: 9_000 - i * 700, level: level(i), cnc: i < 4 ? 40 - i : 0 })),
    availability: {
      uptime: 0.992, previousUptime: 0.995,
      appliances: {
        items: Array.from({ length: 45 }, (_, i) => ({
          id: `ddi-${String(i).padStart(3, '0')}`, hostname: `sensor-${i}.example.net`, uptime: i === 2 ? 0.91 : 1 - i / 10_000,
          silentPeriods: i === 2 ? 3 : 0, longestSilentS: i === 2 ? 26_000 : 0,
        })),
        omitted: 55,
      },
    },
    completeness: { records: 98_000_000, dropped: 12_000, missingRecords: 3_000, sequenceGaps: 2, lost: 15_000, ratio: 98_000_000 / 98_015_000 },
    actions: [
      { priority: 1, level: 'high', finding: '14 hosts called back to command-and-control servers 410 times.', action: 'Isolate and reimage them; block the callback addresses.' },
      { priority: 2, level: 'medium', finding: 'High-severity detections rose 24%.', action: 'Review the top risks below with the teams that own the affected hosts.' },
    ],
  };
}
