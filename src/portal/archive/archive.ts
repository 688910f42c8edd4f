// Where accepted batches are kept: the raw records detections point back to.
// One interface, one file per kind (local.ts: the data directory; s3.ts: an
// S3-compatible bucket), chosen by batches.kind in index.ts. Ingest is the
// only writer; the portal's hourly prune is the only deleter.
//
// The contract ingest relies on:
// - keep() removes the landed file only once its copy is safe. When it
//   throws, the file is where it was, and keeping it again later is harmless
//   (the same name replaces itself).
// - has() says whether a copy is there. A re-sent batch, or one found again
//   after a crash or a failed keep() that followed the store's commit, is
//   kept when the archive lacks it and only deleted locally when it has it.

export interface ArchiveCounters {
  /** Batches kept since start. */
  kept: number;
  /** Keeps, look-ups and prunes that failed (after the client's own bounded retries). */
  failed: number;
  /** Batches removed for being older than ingest.retentionDays. */
  pruned: number;
}

export interface BatchArchive {
  /** Ready to keep batches (the directory made). */
  start(): Promise<void>;
  /** Cuts what is in flight (its file stays where it was); keep() refuses afterwards. An archive is started and stopped once. */
  stop(): Promise<void>;
  /** The landed `file` kept as (applianceId, name), replacing any copy; the file is gone once this resolves. */
  keep(file: string, applianceId: string, name: string): Promise<void>;
  /** Whether (applianceId, name) is kept. Throws when the archive cannot tell. */
  has(applianceId: string, name: string): Promise<boolean>;
  /** Removes the batches kept before `before` (ms since the epoch); returns how many. */
  prune(before: number): Promise<number>;
  /** Where batches are kept, for the status and the log: a directory, or s3://bucket/prefix at an endpoint. Never a secret. */
  describe(): string;
  readonly counters: ArchiveCounters;
}

export function newCounters(): ArchiveCounters {
  return { kept: 0, failed: 0, pruned: 0 };
}
