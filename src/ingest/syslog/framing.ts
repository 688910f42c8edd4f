// RFC 6587 stream framing: each frame is either octet-counted
// ("<len> <msg>", len starts with a non-zero digit) or ends at a newline.
// Detected per frame, as rsyslog does, because syslog messages themselves
// start with "<": a count is only taken as one when "<" follows its space,
// so plain text that starts with a number ("2026 was...") stays a line. Frames longer than the limit are cut, counted, and the
// rest skipped without being buffered: memory stays bounded by the limit.

export type FrameHandler = (frame: Buffer, truncated: boolean) => void;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const LT = 0x3c;
const MAX_COUNT_DIGITS = 9;

export class StreamFramer {
  private readonly max: number;
  private readonly emit: FrameHandler;
  /** Partial frame, at most max bytes. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Octet-counted frame: bytes still to read; -1 in newline mode. */
  private remaining = -1;
  /** Bytes of the current frame to throw away (past the limit). */
  private skipping = false;
  private truncated = false;
  private digits = '';
  /** Count read, space seen; waiting for the "<" that confirms it. */
  private counted = false;
  /** Bytes thrown away past the limit, ever: the reader gives that memory back (see tcp.ts). */
  discarded = 0;

  constructor(max: number, emit: FrameHandler) {
    this.max = max;
    this.emit = emit;
  }

  private keep(b: Buffer): void {
    const room = this.max - this.partBytes;
    if (b.length > room) {
      if (room > 0) this.parts.push(b.subarray(0, room));
      this.partBytes += Math.max(room, 0);
      this.truncated = true;
      this.skipping = true;
    } else if (b.length > 0) {
      this.parts.push(b);
      this.partBytes += b.length;
    }
  }

  private finish(stripCr: boolean): void {
    let frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    if (stripCr && frame.length > 0 && frame[frame.length - 1] === CR && !this.truncated) {
      frame = frame.subarray(0, frame.length - 1);
    }
    const truncated = this.truncated;
    this.parts = [];
    this.partBytes = 0;
    this.truncated = false;
    this.skipping = false;
    this.remaining = -1;
    if (frame.length > 0) this.emit(frame, truncated);
  }

  push(data: Buffer): void {
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        // Inside an octet-counted frame.
        const take = Math.min(this.remaining, data.length - i);
        if (!this.skipping) this.keep(data.subarray(i, i + take));
        else this.discarded += take;
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.finish(false);
        continue;
      }
      if (this.partBytes === 0 && !this.skipping && (this.digits !== '' || (data[i]! >= 0x31 && data[i]! <= 0x39))) {
        // Possibly an octet count: collect digits up to the space.
        const c = data[i]!;
        if (this.counted) {
          this.counted = false;
          if (c === LT) {
            this.remaining = Number(this.digits);
            this.digits = '';
            continue;
          }
          this.digits += ' ';
        } else if (c >= 0x30 && c <= 0x39 && this.digits.length < MAX_COUNT_DIGITS) {
          this.digits += String.fromCharCode(c);
          i++;
          continue;
        } else if (c === SP && this.digits !== '') {
          this.counted = true;
          i++;
          continue;
        }
        // Not a count after all: the digits start a newline-framed message.
        const d = Buffer.from(this.digits, 'latin1');
        this.digits = '';
        this.keep(d);
        continue;
      }
      // Newline mode.
      const nl = data.indexOf(LF, i);
      const end = nl < 0 ? data.length : nl;
      if (!this.skipping) this.keep(data.subarray(i, end));
      else this.discarded += end - i;
      i = end;
      if (nl >= 0) {
        i++;
        this.finish(true);
      }
    }
  }

  /** Connection closed: a newline-framed message without its newline still counts. */
  end(): void {
    if (this.digits !== '') {
      this.keep(Buffer.from(this.counted ? `${this.digits} ` : this.digits, 'latin1'));
      this.digits = '';
      this.counted = false;
    }
    if (this.remaining > 0 || this.partBytes > 0) this.finish(this.remaining < 0);
  }
}
