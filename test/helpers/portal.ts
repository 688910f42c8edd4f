// Pieces the portal's tests share: batch files made the way the agent makes
// them (NDJSON records, gzip), detection lines from the reference formats,
// and an account in a store.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { batchFileName, type Codec } from '../../src/protocol/batch.ts';
import { encodeRecord, sourcePrefix } from '../../src/protocol/record.ts';
import { classify } from '../../src/parse/index.ts';
import { hashPassword } from '../../src/portal/accounts/password.ts';
import type { Store } from '../../src/portal/store/store.ts';
import type { Role } from '../../src/portal/store/types.ts';

export const CEF_LINE = (i: number, sev = 8) =>
  `<158>CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|1539|Windows Remote Management Service Detected - HTTP|${sev}|` +
  `rt=Mar 09 2026 17:05:21 GMT+08:00 dvchost=ddi-01 src=172.16.1.${i % 250} spt=${50000 + (i % 1000)} dst=216.52.115.2 dpt=80 app=HTTP act=not blocked cn3=2 cs1Label=id cs1=${i}`;

export const LEEF_LINE = (i: number) =>
  `LEEF:1.0|Trend Micro|Deep Discovery Inspector|3.8.1175|SECURITY_RISK_DETECTION|devTime=Mar 09 2026 11:58:24 GMT+08:00\tsev=6\t` +
  `proto=HTTP\tdhost=www.freewebs.com\tdst=216.52.115.2\tdstPort=80\tsrc=172.16.1.197\tsrcPort=${12000 + i}\tmalType=MALWARE\t` +
  `msg=Malware URL requested - Type 1\tact=not blocked\tcccaDestinationFormat=URL\tcccaRiskLevel=2\tcccaDetection=1\tcccaDestination=evil.example`;

export const PLAIN_LINE = (i: number) => `<13>Mar  9 17:05:21 ddi-01 sshd[42]: session ${i} opened`;

/** The NDJSON of records for these lines, as the agent spools them. */
export function ndjson(lines: string[], t = Date.UTC(2026, 2, 9, 9, 0, 0)): string {
  const prefix = sourcePrefix('syslog');
  return lines.map((l) => encodeRecord(t, prefix, classify(l), l, Buffer.from(l))).join('');
}

/** These lines as the agent compresses them: a chunk per `perChunk` lines, gzip members or zstd frames back to back. */
export function compressed(lines: string[], codec: Codec = 'gzip', perChunk = lines.length || 1): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < Math.max(lines.length, 1); i += perChunk) {
    const text = ndjson(lines.slice(i, i + perChunk));
    parts.push(codec === 'gzip' ? zlib.gzipSync(text)
      : zlib.zstdCompressSync(text, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } }));
  }
  return Buffer.concat(parts);
}

/** Write a batch <dir>/<applianceId>/<first>-<last>.ndjson.gz (or .zst) holding these lines; returns its relative path and file. */
export function writeBatch(dir: string, applianceId: string, firstSeq: number, lines: string[],
  o: { lastSeq?: number; raw?: Buffer; codec?: Codec } = {}): { relPath: string; file: string } {
  const lastSeq = o.lastSeq ?? firstSeq + lines.length - 1;
  const relPath = `upload/${applianceId}/${batchFileName({ firstSeq, lastSeq }, o.codec)}`;
  const file = path.join(dir, relPath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, o.raw ?? compressed(lines, o.codec));
  return { relPath, file };
}

export async function addAccount(store: Store, name: string, password: string, role: Role = 'appliance'): Promise<void> {
  const now = Date.now();
  await store.accounts.add({ name, role, hash: await hashPassword(password), createdAt: now, updatedAt: now });
}
