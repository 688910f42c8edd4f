// One landed file through ingest: is it a batch, whose, new or a re-send;
// then its records read as a stream and checked against the name's range,
// its detections written in slices, and only at the end made visible. A
// batch that fails any check is quarantined whole: nothing of it is kept.
// A batch made visible is then handed to the archive (portal/archive/),
// which removes the landed file once its copy is safe.

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { parseBatchName, type Codec } from '../../protocol/batch.ts';
import type { BatchArchive } from '../archive/archive.ts';
import { decodeRecord } from '../../protocol/record.ts';
import { APPLIANCE_ID } from '../../protocol/topics.ts';
import type { Landed } from '../receive/landed.ts';
import type { Store } from '../store/store.ts';
import type { BatchRange, Detection } from '../store/types.ts';
import { detectionOf } from './detection.ts';
import { LineTooLong, lines } from './lines.ts';
import { ZstdFormatError, zstdDecoded } from './zstd.ts';

/** Detections written per statement batch: memory stays flat however large the batch. */
const SLICE = 5000;
/** Longer than any record the agent writes (its line limit, JSON-escaped). */
const MAX_RECORD_BYTES = 1024 * 1024;
/** The last millisecond a Date can hold. */
const MAX_TIME = 8.64e15;

/** Where ingest puts what it accepts (the archive) and what it refuses (a local directory). */
export interface IngestPlaces {
  archive: BatchArchive;
  quarantine: string;
}

export type Outcome =
  | { kind: 'ignored'; reason: string }
  /** `archived`: the archive lacked the batch (a crash or a failed keep after its commit), so this copy went there. */
  | { kind: 'duplicate'; applianceId: string; name: string; archived: boolean }
  | { kind: 'ingested'; applianceId: string; name: string; records: number; newRecords: number; detections: number }
  | { kind: 'quarantined'; applianceId: string | null; name: string; reason: string };

/** Not a batch, or a batch that cannot be what its name says. */
class Refused extends Error {}

/** The store failed mid-batch (a lost connection, a full disk): the batch is fine, and is tried again, not quarantined. */
class StoreFailed extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super('the store failed');
    this.reason = reason;
  }
}

async function stored(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    throw new StoreFailed(err);
  }
}

/**
 * The batch is ingested (committed and counted), but the archive could not
 * keep its file: the file stays where it landed, and the next rescan finds a
 * duplicate the archive lacks and keeps it then.
 */
export class NotArchived extends Error {
  readonly outcome: Outcome;

  constructor(outcome: Outcome, cause: unknown) {
    super((cause as Error).message, { cause });
    this.outcome = outcome;
  }
}

/** The appliance id, range and codec a landed file's path names: <...>/<applianceId>/<first>-<last>.ndjson.gz (or .zst). */
export function batchOf(relPath: string): { applianceId: string; range: BatchRange; name: string; codec: Codec } | undefined {
  const parts = relPath.split('/');
  const file = parts.at(-1)!;
  const applianceId = parts.at(-2);
  const parsed = parseBatchName(file);
  if (!parsed || applianceId === undefined || !APPLIANCE_ID.test(applianceId)) return undefined;
  return { applianceId, range: parsed.range, name: file, codec: parsed.codec };
}

/** Every gzip member of the file, decompressed; a stream cut short or damaged fails the read. */
async function* gunzipped(file: string): AsyncGenerator<Buffer> {
  const gunzip = zlib.createGunzip();
  const feeding = pipeline(fs.createReadStream(file), gunzip);
  // Seen in the loop below when the read or the decoder fails; a rejection no one awaits is not left behind.
  feeding.catch(() => {});
  for await (const out of gunzip as AsyncIterable<Buffer>) yield out;
  await feeding;
}

/** The file's content, decompressed as its name says. */
function decompressed(file: string, codec: Codec): AsyncIterable<Buffer> {
  return codec === 'zstd' ? zstdDecoded(fs.createReadStream(file)) : gunzipped(file);
}

function covers(covered: BatchRange[], seq: number): boolean {
  for (const r of covered) if (seq >= r.firstSeq && seq <= r.lastSeq) return true;
  return false;
}

function moveInto(dir: string, file: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const to = path.join(dir, name);
  fs.renameSync(file, to);
  return to;
}

export async function ingestOne(l: Landed, store: Store, places: IngestPlaces, o: { maxBatchBytes: number; maxAppliances: number; now: () => number }):
  Promise<Outcome> {
  const b = batchOf(l.relPath);
  if (!b) return { kind: 'ignored', reason: 'not a batch name (<applianceId>/<first>-<last>.ndjson.gz or .ndjson.zst)' };
  const { applianceId, range, name, codec } = b;
  const quarantine = async (reason: string): Promise<Outcome> => {
    const at = o.now();
    if (fs.existsSync(l.file)) moveInto(path.join(places.quarantine, l.account, applianceId), l.file, `${name}.${at}`);
    await store.batches.quarantined({ applianceId, account: l.account, name, reason, at });
    await store.counters.add('batches_quarantined', 1);
    return { kind: 'quarantined', applianceId, name, reason };
  };

  if (store.appliances.ownerOf(applianceId) === undefined && store.appliances.countOf(l.account) >= o.maxAppliances) {
    return quarantine(`account ${l.account} owns as many appliances as it may (fleet.maxAppliancesPerAccount ${o.maxAppliances})`);
  }
  const owner = await store.appliances.claim(applianceId, l.account, o.now());
  if (owner !== l.account) return quarantine(`appliance ${applianceId} belongs to another account`);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(l.file);
  } catch {
    return { kind: 'ignored', reason: 'the file is gone' };
  }
  if (!st.isFile()) return quarantine('not a regular file');
  if (st.size > o.maxBatchBytes) return quarantine(`larger than ingest.maxBatchBytes (${st.size} > ${o.maxBatchBytes})`);

  const begun = await store.batches.begin({ applianceId, name, via: l.via, size: st.size, receivedAt: o.now(), ...range });
  if (begun.kind === 'duplicate') {
    // A re-send changes nothing; but when the first copy never reached the archive (a crash or a failed keep right after its commit), this one goes there.
    const archived = !(await places.archive.has(applianceId, name));
    if (archived) await places.archive.keep(l.file, applianceId, name);
    else fs.rmSync(l.file, { force: true });
    await store.counters.add('batches_duplicate', 1);
    return { kind: 'duplicate', applianceId, name, archived };
  }
  const expected = range.lastSeq - range.firstSeq + 1;
  let count = 0;
  let newRecords = 0;
  let detections = 0;
  let slice: Detection[] = [];
  try {
    for await (const text of lines(decompressed(l.file, codec), MAX_RECORD_BYTES)) {
      if (count >= expected) throw new Refused(`more records than the name's range (${expected})`);
      const seq = range.firstSeq + count++;
      const rec = decodeRecord(text);
      if (!rec) throw new Refused(`record ${seq} is not a record`);
      // A time no Date can hold would fail later, in the middle of the store's work.
      if (!Number.isSafeInteger(rec.t) || rec.t < 0 || rec.t > MAX_TIME) throw new Refused(`record ${seq} has no valid time`);
      if (covers(begun.covered, seq)) continue;
      newRecords++;
      const d = detectionOf(rec.line.toString('utf8'), applianceId, seq, rec.t);
      if (!d) continue;
      detections++;
      slice.push(d);
      if (slice.length >= SLICE) {
        await stored(store.batches.addDetections(begun.id, slice));
        slice = [];
      }
    }
    if (count !== expected) throw new Refused(`${count} records, the name's range says ${expected}`);
    if (slice.length) await stored(store.batches.addDetections(begun.id, slice));
  } catch (err) {
    if (err instanceof StoreFailed) {
      await store.batches.discard(begun.id).catch(() => {});
      throw err.reason;
    }
    await store.batches.discard(begun.id);
    const reason = err instanceof Refused || err instanceof LineTooLong || err instanceof ZstdFormatError ? err.message
      : `not a complete ${codec} stream (${(err as Error).message})`;
    return quarantine(reason);
  }
  await store.batches.finish(begun.id, { newRecords, detections, now: o.now() });
  await store.counters.add('batches_ingested', 1);
  await store.counters.add('records_ingested', newRecords);
  const out: Outcome = { kind: 'ingested', applianceId, name, records: expected, newRecords, detections };
  // After the commit: a crash or a failed keep between the two leaves the file where it landed, and the next scan finds it a duplicate.
  try {
    await places.archive.keep(l.file, applianceId, name);
  } catch (err) {
    throw new NotArchived(out, err);
  }
  return out;
}
