// The packet size bound, in front of aedes. aedes' parser (mqtt-packet)
// buffers a whole packet before it looks at it, whatever the fixed header
// announces (up to 256 MiB), and aedes has no size option of its own. So the
// connection aedes reads is this stream: it passes bytes through untouched
// and reads only each packet's fixed header, cutting the connection as soon
// as one announces more than the limit, before its body is read.

import type net from 'node:net';
import { Duplex } from 'node:stream';

/** Follows MQTT packet boundaries in a byte stream by their fixed headers (type byte, Remaining Length). */
export class PacketSizes {
  private readonly max: number;
  /** Body bytes of the current packet still to pass. */
  private left = 0;
  /** 0: at a packet's first byte; n > 0: reading byte n of its Remaining Length. */
  private lengthByte = 0;
  private length = 0;
  private multiplier = 1;

  constructor(maxPacketBytes: number) {
    this.max = maxPacketBytes;
  }

  /** False when a packet announces more than the limit, or a Remaining Length longer than four bytes. */
  feed(b: Buffer): boolean {
    let i = 0;
    while (i < b.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, b.length - i);
        this.left -= n;
        i += n;
        continue;
      }
      const byte = b[i++]!;
      if (this.lengthByte === 0) {
        this.lengthByte = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      if (byte & 0x80) {
        if (this.lengthByte === 4) return false;
        this.lengthByte++;
        this.multiplier *= 128;
        continue;
      }
      if (1 + this.lengthByte + this.length > this.max) return false;
      this.left = this.length;
      this.lengthByte = 0;
    }
    return true;
  }
}

/** A client's connection as aedes sees it: the TLS socket, with packets over the limit refused. */
export class BoundedConnection extends Duplex {
  readonly socket: net.Socket;
  /** The client's address (what logins are throttled by). */
  readonly remote: string;

  /** `oversize` hears of the error the connection is destroyed with when a packet is over the limit. */
  constructor(socket: net.Socket, maxPacketBytes: number, oversize: (err: Error) => void) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.remote = socket.remoteAddress ?? '';
    const sizes = new PacketSizes(maxPacketBytes);
    socket.on('data', (d: Buffer) => {
      if (!sizes.feed(d)) {
        const err = new Error(`a packet larger than ${maxPacketBytes} bytes`);
        oversize(err);
        this.destroy(err);
        return;
      }
      if (!this.push(d)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }

  /** mqtt-packet corks around each packet's pieces: one write of them to TLS, not one record each. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!.chunk);
    this.socket.write(chunks[chunks.length - 1]!.chunk, cb);
    this.socket.uncork();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
