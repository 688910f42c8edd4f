// gzip against zstd on the bench workload (npm run bench -- --only=compression):
// the agent's chunks are gzip members (or zstd frames) of up to
// spool.chunkMaxBytes raw bytes. Each codec and level compresses the same
// workload in chunks of that size through the chunker's own compressor, in
// 64 KiB writes as the chunker makes them, timed by this process's CPU (the
// thread pool's included), with the ratio on the raw lines (the lines
// themselves, not the records the agent wraps them in, so the figures
// compare codecs, not the spool). Medians of interleaved repetitions.

import { compressor } from '../../src/spool/chunker.ts';
import type { Codec } from '../../src/protocol/batch.ts';
import { median } from './proc.ts';

const CHUNK = 1024 * 1024;
const WRITE = 64 * 1024;

const CODECS: Array<[string, Codec, number]> = [
  ['gzip 6 (the default)', 'gzip', 6],
  ['gzip 1', 'gzip', 1],
  ['zstd 1', 'zstd', 1],
  ['zstd 3 (its default)', 'zstd', 3],
  ['zstd 6', 'zstd', 6],
  ['zstd 9', 'zstd', 9],
];

/** One chunk through the chunker's compressor: its compressed size. */
function compress(codec: Codec, level: number, chunk: Buffer): Promise<number> {
  const z = compressor(codec, level, CHUNK);
  let bytes = 0;
  z.on('data', (b: Buffer) => (bytes += b.length));
  const done = new Promise<number>((resolve, reject) => {
    z.once('end', () => resolve(bytes));
    z.once('error', reject);
  });
  for (let at = 0; at < chunk.length; at += WRITE) z.write(chunk.subarray(at, at + WRITE));
  z.end();
  return done;
}

export async function benchCompression(say: (s: string) => void, data: Buffer, lines: number, runs: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    let end = Math.min(data.length, at + CHUNK);
    const nl = data.lastIndexOf(0x0a, end - 1);
    if (end < data.length && nl > at) end = nl + 1;
    chunks.push(data.subarray(at, end));
    at = end;
  }
  const cpu = new Map<string, number[]>();
  const out = new Map<string, number>();
  for (let r = 0; r < runs; r++) {
    for (const [name, codec, level] of CODECS) {
      const t0 = process.cpuUsage();
      let bytes = 0;
      for (const c of chunks) bytes += await compress(codec, level, c);
      const u = process.cpuUsage(t0);
      (cpu.get(name) ?? cpu.set(name, []).get(name)!).push((u.user + u.system) / 1e6);
      out.set(name, bytes);
    }
  }
  const result: Record<string, unknown> = {};
  say(`compression of the workload in ${(CHUNK / 2 ** 20).toFixed(0)} MiB chunks (${chunks.length}), CPU s per 1M lines, raw ÷ compressed:`);
  const base = median(cpu.get(CODECS[0]![0])!) / lines * 1e6;
  for (const [name] of CODECS) {
    const perMillion = median(cpu.get(name)!) / lines * 1e6;
    const ratio = data.length / out.get(name)!;
    result[name] = { cpuPerMillion: perMillion, ratio };
    say(`  ${name.padEnd(22)} ${perMillion.toFixed(2).padStart(6)} s/M (${(perMillion / base).toFixed(2)}x gzip 6)  ratio ${ratio.toFixed(2)}`);
  }
  return result;
}
