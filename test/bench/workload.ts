// The benchmark's fixed workload: realistic appliance syslog lines of 250-400
// bytes (RFC 3164 and RFC 5424 headers around CEF and LEEF detections, plus
// plain daemon messages), each with a unique id so that loss and duplication
// can be counted exactly. Deterministic: the same n gives the same bytes.

import { rng } from '../helpers/rng.ts';

const HOSTS = ['ddi01', 'ddi02', 'ddei5', 'tda-lab'];
const RULES = [
  [1539, 'Windows Remote Management Service Detected - HTTP', 6],
  [200127, 'Notable Characteristics of the analyzed sample', 6],
  [100132, 'URL_DETECTION', 8],
  [1002, 'Suspicious DNS query to C&C domain', 8],
  [4102, 'Possible lateral movement over SMB', 4],
] as const;
const ACTS = ['not blocked', 'blocked', 'detected'];
const APPS = ['HTTP', 'DNS Response', 'SMB2', 'TLS', 'SMTP'];
const DOMAINS = ['bad.example', 'cnc.example.net', 'update-check.example.org', 'files.example.com', 'tracker.example.io'];


/**
 * Which lines carry suspicious objects: as the default mix has them (a few
 * destinations over and over), none at all, or one line in ten a C&C
 * callback to a public address never seen before (a burst of C&C traffic)
 * and no other line carrying one: in address order (new10), or scattered as
 * real C&C addresses are (new10r: every one lands somewhere else in the
 * object table).
 */
export type ObjectMix = 'mixed' | 'none' | 'new10' | 'new10r';

/** The i-th public address: distinct for every i below 2^24; scattered over 45.0.0.0/8 by a bijection when asked. */
function newPublicAddress(i: number, scattered: boolean): string {
  let x = i & 0xffffff;
  if (scattered) {
    x = (x * 0x5bd1e5) % 0x1000000; // odd multiplier: a bijection of 24 bits
    x ^= x >>> 12;
  }
  return `45.${(x >> 16) & 255}.${(x >> 8) & 255}.${x & 255}`;
}

export function workloadLine(i: number, r: () => number, mix: ObjectMix = 'mixed'): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const ip = () => `${10 + Math.floor(r() * 3)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const ext = () => `203.0.113.${1 + Math.floor(r() * 254)}`;
  const sec = String(i % 60).padStart(2, '0');
  const host = pick(HOSTS);
  const kind = r();
  let line: string;
  if ((mix === 'new10' || mix === 'new10r') && i % 10 === 0) {
    line = `<134>Nov 22 08:00:${sec} ${host} CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|1002|C&C callback|8|rt=Nov 22 2026 08:00:${sec} GMT+00:00 dvchost=${host} src=${ip()} spt=${1024 + Math.floor(r() * 60000)} dst=${newPublicAddress(i, mix === 'new10r')} dpt=443 app=TLS act=not blocked cn1=1 eid=${i}`;
  } else if (kind < 0.5) {
    const [id, name, sev] = pick(RULES);
    line = `<134>Nov 22 08:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${sec} ${host} CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|${id}|${name}|${sev}|rt=Nov 22 2026 08:00:${sec} GMT+00:00 dvchost=${host} src=${ip()} spt=${1024 + Math.floor(r() * 60000)} dst=${ext()} dpt=${pick([80, 443, 53, 445])} app=${pick(APPS)} act=${pick(ACTS)} cn3=${Math.floor(r() * 4)} eid=${i}`;
  } else if (kind < 0.7) {
    line = `<134>1 2026-11-22T08:00:${sec}.${String(i % 1000).padStart(3, '0')}Z ${host} tmspd ${1000 + (i % 50)} DET - LEEF:1.0|Trend Micro|Deep Discovery Inspector|6.0|SECURITY_RISK_DETECTION|devTime=Nov 22 2026 08:00:${sec}\tsev=${pick([4, 6, 8])}\tproto=${pick(APPS)}\tdhost=${pick(DOMAINS)}\tdst=${ext()}\tsrc=${ip()}\t${mix === 'mixed' ? 'cccaRiskLevel' : 'cccaLevelRisk'}=${1 + Math.floor(r() * 3)}\teid=${i}`;
  } else {
    line = `<30>Nov 22 08:00:${sec} ${host} ${pick(['sshd', 'ntpd', 'scanner', 'updated'])}[${100 + (i % 900)}]: ${pick([
      'session opened for user admin from', 'pattern update completed, version 18.511.00 from', 'virtual analyzer queue depth 3, oldest sample from',
    ])} ${ip()} port ${1024 + Math.floor(r() * 60000)} eid=${i}`;
  }
  // Pad to 250-400 bytes like real detections with their optional fields.
  const want = 250 + Math.floor(r() * 151);
  if (line.length < want) line += ` cs6Label=AttackPhase cs6=${'Command and Control Communication'.slice(0, want - line.length - 31).padEnd(want - line.length - 31, '.')}`;
  return line.slice(0, 400);
}

/** n lines, newline-terminated, as one buffer. */
export function workload(n: number, seed = 20261122, mix: ObjectMix = 'mixed'): Buffer {
  const r = rng(seed);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(workloadLine(i, r, mix));
  return Buffer.from(`${parts.join('\n')}\n`);
}
