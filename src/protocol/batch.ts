// Batch names: deterministic, so a retried upload replaces itself on the
// log server instead of adding a duplicate.
//
//   <applianceId>/<firstSeq>-<lastSeq>.ndjson.gz
//
// Sequence numbers are zero-padded to 12 digits so that names sort in order.

export interface BatchRange {
  firstSeq: number;
  lastSeq: number;
}

const WIDTH = 12;

export function batchFileName(r: BatchRange): string {
  return `${String(r.firstSeq).padStart(WIDTH, '0')}-${String(r.lastSeq).padStart(WIDTH, '0')}.ndjson.gz`;
}

export function batchName(applianceId: string, r: BatchRange): string {
  return `${applianceId}/${batchFileName(r)}`;
}

const NAME = /^(\d{1,16})-(\d{1,16})\.ndjson\.gz$/;

/** The range a batch file name covers, or undefined when it is not a batch name. */
export function parseBatchFileName(name: string): BatchRange | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const r = { firstSeq: Number(m[1]), lastSeq: Number(m[2]) };
  return r.firstSeq <= r.lastSeq ? r : undefined;
}
