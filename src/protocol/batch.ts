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

const NAME = /^(\d{1,16})-(\d{1,16})\.ndjson\.(gz|zst)$/;

/** The range a batch file name covers, or undefined when it is not a batch name. */
export function parseBatchFileName(name: string): BatchRange | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const r = { firstSeq: Number(m[1]), lastSeq: Number(m[2]) };
  return r.firstSeq <= r.lastSeq ? r : undefined;
}

/** The codec a batch file name says its content is in, or undefined when it is not a batch name. */
export function batchCodec(name: string): Codec | undefined {
  if (!parseBatchFileName(name)) return undefined;
  return name.endsWith('.zst') ? 'zstd' : 'gzip';
}
