// An upload in progress, as the ring sees it: which chunks it covers and how
// far they have been handed to the transport. A chunk it has sent that the
// budget evicts before the server confirms is held apart (limbo): delivered
// if the server confirms the batch, counted as dropped if it does not, so the
// dropped counter stays exact either way.

export interface LossCounters {
  chunks: number;
  records: number;
  /** Uncompressed record bytes. */
  bytes: number;
}

export class UploadFlight {
  readonly firstSeq: number;
  readonly lastSeq: number;
  private sent: number;
  readonly limbo: LossCounters = { chunks: 0, records: 0, bytes: 0 };

  constructor(firstSeq: number, lastSeq: number) {
    this.firstSeq = firstSeq;
    this.lastSeq = lastSeq;
    this.sent = firstSeq - 1;
  }

  /** Every record up to `seq` has been handed to the transport. */
  sentThrough(seq: number): void {
    this.sent = seq;
  }

  /** A chunk is being evicted: true when it was already sent in this flight (it is then held in limbo). */
  holds(chunk: { first_seq: number; last_seq: number; records: number; raw_bytes: number }): boolean {
    if (chunk.first_seq < this.firstSeq || chunk.last_seq > this.sent) return false;
    this.limbo.chunks++;
    this.limbo.records += chunk.records;
    this.limbo.bytes += chunk.raw_bytes;
    return true;
  }
}
