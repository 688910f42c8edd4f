// gzip against zstd on the bench workload (npm run bench -- --only=compression):
// the agent's chunks are gzip members of up to spool.chunkMaxBytes raw
// bytes; Node 24's node:zlib has zstd too. Each codec compresses the same
// workload in chunks of that size, in this process, timed by CPU, with the
// ratio on the raw lines (the lines themselves, not the records the agent
// wraps them in, so the figures compare codecs, not the spool). Medians of
// interleaved repetitions.

import zlib from 'node:zlib';
import { median } from './proc.ts';

const CHUNK = 1024 * 1024;

const CODECS: Array<[string, (b: Buffer) => Buffer]> = [
  ['gzip 6 (the default)', (b) => zlib.gzipSync(b, { level: 6 })],
  ['gzip 1', (b) => zlib.gzipSync(b, { level: 1 })],
  ['zstd 1', (b) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } })],
  ['zstd 3', (b) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } })],
  ['zstd 6', (b) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 6 } })],
  ['zstd 9', (b) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 9 } })],
];

export function benchCompression(say: (s: string) => void, data: Buffer, lines: number, runs: number): Record<string, unknown> {
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
    for (const [name, f] of CODECS) {
      const t0 = process.cpuUsage();
      let bytes = 0;
      for (const c of chunks) bytes += f(c).length;
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
