// The one retry policy every link retries by: failures only the operator can
// fix wait from 30 s, transient ones from 1 s, doubling up to the cap, with
// full jitter; and the uploader, on a clock the test moves, tries no sooner.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetryPolicy } from '../../src/core/backoff.ts';
import { TmspError, type ErrorCode } from '../../src/errors.ts';
import { Counters } from '../../src/state/counters.ts';
import type { Sink } from '../../src/tmsp/sink.ts';
import { newUploadTotals, Uploader } from '../../src/tmsp/uploader.ts';
import { silent } from '../helpers/log.ts';
import { openSpool } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('the retry policy', () => {
  it('waits from 30 s for what the operator must fix and from 1 s for the rest, doubling to the cap', () => {
    const top = new RetryPolicy(300_000, () => 1); // the ceiling of each draw
    expect([1, 2, 3].map(() => top.next('E_AUTH'))).toEqual([30_000, 60_000, 120_000]);
    expect([1, 2, 3].map(() => top.next('E_CONNECT'))).toEqual([1000, 2000, 4000]);
    expect([1, 2, 3, 4].map(() => top.next('E_HOSTKEY'))).toEqual([240_000, 300_000, 300_000, 300_000]);
    top.reset();
    expect(top.next('E_TLS_UNTRUSTED')).toBe(30_000);
    top.setCap(10_000);
    expect(top.next('E_AUTH')).toBe(10_000);
  });

  it('draws each wait from zero to its ceiling (full jitter)', () => {
    const draws = [0, 0.25, 0.999];
    const p = new RetryPolicy(300_000, () => draws.shift()!);
    expect([p.next('E_REMOTE'), p.next('E_REMOTE'), p.next('E_REMOTE')]).toEqual([0, 500, 3996]);
  });
});

describe('the uploader on the retry policy', () => {
  it.each([
    ['E_AUTH', 15_000], ['E_REMOTE_REFUSED', 15_000], ['E_CONNECT', 500],
  ] as Array<[ErrorCode, number]>)('after %s, tries again only after the policy\'s wait (%i ms with the draw at half)', async (code, wait) => {
    const { state, spool } = openSpool(tmpdir());
    spool.chunker.append('{"t":1,"src":"syslog","fmt":"raw","line":"x"}\n', Date.now());
    await spool.flush();
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    let attempts = 0;
    const sink: Sink = {
      upload: async () => {
        attempts++;
        throw new TmspError(code, 'refused');
      },
      close: async () => {},
    };
    const up = new Uploader(spool, sink, 'test', new Counters(state.db), newUploadTotals(),
      { applianceId: 'a', intervalMs: 3_600_000, highWaterPercent: 100, batchMaxBytes: 1 << 20, retryMaxMs: 300_000 }, silent);
    up.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(wait - 1);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(attempts).toBe(2);
    expect(up.stats()).toMatchObject({ lastErrorCode: code, consecutiveFailures: 2 });
    await up.stop();
    state.db.close();
  });
});
