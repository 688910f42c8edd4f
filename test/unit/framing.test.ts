// RFC 6587 framing over TCP: newline and octet-counted frames, mixed, split
// at any byte, and oversized frames cut without buffering the excess.

import { describe, expect, it } from 'vitest';
import { StreamFramer } from '../../src/ingest/syslog/framing.ts';

function frames(chunks: Buffer[], max = 1024): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = [];
  const f = new StreamFramer(max, (b, t) => out.push([b.toString('latin1'), t]));
  for (const c of chunks) f.push(c);
  f.end();
  return out;
}

const octet = (m: string) => `${Buffer.byteLength(m)} ${m}`;

describe('stream framing', () => {
  it('splits newline-framed messages and drops CR and empty lines', () => {
    expect(frames([Buffer.from('<13>a\r\n\n<13>b\n<13>c')])).toEqual([['<13>a', false], ['<13>b', false], ['<13>c', false]]);
  });

  it('reads octet-counted frames, including ones that contain newlines', () => {
    const msg = '<13>1 - - - - - - line one\nline two';
    expect(frames([Buffer.from(octet(msg) + octet('<14>x'))])).toEqual([[msg, false], ['<14>x', false]]);
  });

  it('mixes both methods frame by frame', () => {
    expect(frames([Buffer.from(`<13>nl\n${octet('<13>oc')}<13>nl2\n`)])).toEqual([['<13>nl', false], ['<13>oc', false], ['<13>nl2', false]]);
  });

  it('gives the same frames whatever the TCP segmentation', () => {
    const stream = Buffer.from(`<13>first\n${octet('<13>second\nstill second')}<13>third\r\n${octet('<13>4')}`);
    const whole = frames([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(frames([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    }
    expect(frames([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('treats a line that merely starts with digits as newline-framed', () => {
    expect(frames([Buffer.from('2026 was a year\n12345\n7 <13>x\n')])).toEqual([['2026 was a year', false], ['12345', false], ['<13>x\n', false]]);
  });

  it('cuts oversized frames to the limit, marks them, and keeps the next frame intact', () => {
    const big = `<13>${'x'.repeat(5000)}`;
    expect(frames([Buffer.from(`${big}\nok\n`)], 100)).toEqual([[big.slice(0, 100), true], ['ok', false]]);
    expect(frames([Buffer.from(`${octet(big)}<13>ok\n`)], 100)).toEqual([[big.slice(0, 100), true], ['<13>ok', false]]);
  });

  it('emits a last newline-framed message that lost its newline at close', () => {
    expect(frames([Buffer.from('<13>a\n<13>tail')])).toEqual([['<13>a', false], ['<13>tail', false]]);
  });
});
