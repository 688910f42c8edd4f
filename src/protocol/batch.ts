// Batch names: deterministic, so a retried upload replaces itself on the
// log server instead of adding a duplicate.
//
//   <applianceId>/<firstSeq>-<lastSeq>.ndjson.gz    gzip members back to back
//   <applianceId>/<firstSeq>-<lastSeq>.ndjson.zst   zstd frames back to back
//
// Sequence numbers are zero-padded to 12 digits so that names sort in order.
// The extension names the codec: a batch is always all of one.

export interface BatchRange {
  firstSeq: number;
  lastSeq: number;
}

export type Codec = 'gzip' | 'zstd';

const EXTENSION: Record<Codec, string> = { gzip: 'gz', zstd: 'zst' };

/** What an HTTPS upload says its body is. */
export const MEDIA_TYPE: Record<Codec, string> = { gzip: 'application/gzip', zstd: 'application/zstd' };

const WIDTH = 12;

export function batchFileName(r: BatchRange, codec: Codec = 'gzip'): string {
  return `${String(r.firstSeq).padStart(WIDTH, '0')}-${String(r.lastSeq).padStart(WIDTH, '0')}.ndjson.${EXTENSION[codec]}`;
}

export function batchName(applianceId: string, r: BatchRange, codec: Codec = 'gzip'): string {
  return `${applianceId}/${batchFileName(r, codec)}`;
}

// The extensions of EXTENSION, read back.
const NAME = /^(\d{1,16})-(\d{1,16})\.ndjson\.(gz|zst)$/;
const LIKE = /\.ndjson\.(gz|zst)$/;
const CODEC_OF: Readonly<Record<string, Codec>> = { gz: 'gzip', zst: 'zstd' };

/** The range a batch file name covers and the codec it says, or undefined when it is not a batch name. */
export function parseBatchName(name: string): { range: BatchRange; codec: Codec } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const range = { firstSeq: Number(m[1]), lastSeq: Number(m[2]) };
  return range.firstSeq <= range.lastSeq ? { range, codec: CODEC_OF[m[3]!]! } : undefined;
}

/** The range a batch file name covers, or undefined when it is not a batch name. */
export function parseBatchFileName(name: string): BatchRange | undefined {
  return parseBatchName(name)?.range;
}

/** Named as a batch is (any range, even a wrong one): a file to accept or refuse as a batch, not a stray. */
export function looksLikeBatch(name: string): boolean {
  return LIKE.test(name);
}
