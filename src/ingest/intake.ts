// Where every source hands its lines: truncate to the size limit, classify,
// encode one NDJSON record and append it to the open chunk. Per-source
// counters live here so status can show each source's numbers.

import { isUtf8 } from 'node:buffer';
import { encodeRecord, sourcePrefix } from '../protocol/record.ts';
import type { Chunker } from '../spool/chunker.ts';
import { classifyLine, type Classified } from '../parse/index.ts';

export interface SourceStats {
  name: string;
  kind: 'unix' | 'udp' | 'tcp' | 'file';
  state: 'starting' | 'listening' | 'following' | 'waiting' | 'failed' | 'stopped';
  records: number;
  bytes: number;
  truncated: number;
  /** Refused because the spool's memory bound was reached (push sources only). */
  shed: number;
  errors: number;
  lastError: string | null;
}

export class Source {
  readonly stats: SourceStats;
  readonly prefix: string;

  constructor(name: string, kind: SourceStats['kind'], recordSource: string) {
    this.stats = { name, kind, state: 'starting', records: 0, bytes: 0, truncated: 0, shed: 0, errors: 0, lastError: null };
    this.prefix = sourcePrefix(recordSource);
  }

  fail(err: unknown): void {
    this.stats.errors++;
    this.stats.lastError = (err as Error).message ?? String(err);
  }
}

/** What every source is: a context with an explicit lifecycle and its counters. */
export interface IngestSource {
  readonly source: Source;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Cut to at most max bytes without splitting a UTF-8 sequence. */
export function truncateUtf8(line: Buffer, max: number): Buffer {
  if (line.length <= max) return line;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  for (let i = 0; i < 3 && (line[end]! & 0xc0) === 0x80; i++) end--;
  if ((line[end]! & 0xc0) === 0x80) end = max; // not UTF-8 anyway: cut where asked
  return line.subarray(0, end);
}

/** A detection event line, classified once: a listener reads the event from the header found (parse(), eventFields()). */
export type DetectionListener = (line: Classified, source: Source) => void;

export class Intake {
  private readonly chunker: Chunker;
  private maxMessageBytes: number;
  private readonly detections: DetectionListener[] = [];

  constructor(chunker: Chunker, maxMessageBytes: number) {
    this.chunker = chunker;
    this.maxMessageBytes = maxMessageBytes;
  }

  configure(maxMessageBytes: number): void {
    this.maxMessageBytes = maxMessageBytes;
  }

  get limit(): number {
    return this.maxMessageBytes;
  }

  /** CEF and LEEF lines are also offered here (suspicious objects come from them). */
  onDetection(fn: DetectionListener): void {
    this.detections.push(fn);
  }

  /**
   * Take one message. `truncated` is set by framers that already cut it.
   * Returns false when the record was shed (memory bound reached).
   */
  accept(source: Source, line: Buffer, truncated = false, time = Date.now()): boolean {
    const s = source.stats;
    if (line.length > this.maxMessageBytes) {
      line = truncateUtf8(line, this.maxMessageBytes);
      truncated = true;
    }
    if (!this.chunker.writable) {
      s.shed++;
      return false;
    }
    const text = isUtf8(line) ? line.toString('utf8') : undefined;
    const c = classifyLine(text ?? line.toString('latin1'));
    this.chunker.append(encodeRecord(time, source.prefix, c.format, text, line), time);
    if (truncated) s.truncated++;
    s.records++;
    s.bytes += line.length;
    if (c.event) for (const fn of this.detections) fn(c, source);
    return true;
  }
}
