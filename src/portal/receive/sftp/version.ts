// The SFTP extensions this server offers in its VERSION reply. Clients use an
// extension only when the server names it there: the agent fsyncs a batch
// and renames it over an older copy (posix-rename) only then, and OpenSSH's
// `sftp` renames with posix-rename only then. ssh2 1.17's server answers INIT
// with a fixed VERSION packet that names none, and has no option for it, so
// that one packet is swapped on its way out, on this channel only.
//
// This leans on two internals of ssh2 (checked by the tests on every run):
// replies go out through `_protocol.channelData(channelId, payload)`, and a
// channel's send window is `outgoing.window`, already charged for the fixed
// packet when it is sent.

import type { SFTPWrapper } from 'ssh2';

/** The packet ssh2 sends: length 5, SSH_FXP_VERSION (2), version 3. */
const PLAIN_VERSION = Buffer.from([0, 0, 0, 5, 2, 0, 0, 0, 3]);

function versionPacket(extensions: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [Buffer.from([2, 0, 0, 0, 3])];
  for (const [name, data] of Object.entries(extensions)) {
    for (const s of [name, data]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  const body = Buffer.concat(parts);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

interface Internals {
  _protocol: { channelData(id: number, data: Buffer | string): void };
  outgoing: { id: number; window: number };
}

type ChannelData = Internals['_protocol']['channelData'];
const wrapped = new WeakMap<object, Map<number, { packet: Buffer; ch: Internals }>>();

/** Make this SFTP channel's VERSION reply name `extensions`. Call before the client's INIT arrives (at accept). */
export function offerExtensions(sftp: SFTPWrapper, extensions: Readonly<Record<string, string>>): void {
  const ch = sftp as unknown as Internals;
  const proto = ch._protocol;
  let pending = wrapped.get(proto);
  if (!pending) {
    const waiting = (pending = new Map());
    wrapped.set(proto, waiting);
    const send: ChannelData = proto.channelData.bind(proto);
    proto.channelData = (id, data) => {
      const swap = waiting.get(id);
      if (swap !== undefined) {
        waiting.delete(id);
        if (Buffer.isBuffer(data) && data.equals(PLAIN_VERSION)) {
          const extra = swap.packet.length - data.length;
          // The client's window is far larger than this at the start; should it not be, the plain packet still works.
          if (swap.ch.outgoing.window >= extra) {
            swap.ch.outgoing.window -= extra;
            send(id, swap.packet);
            return;
          }
        }
      }
      send(id, data);
    };
  }
  pending.set(ch.outgoing.id, { packet: versionPacket(extensions), ch });
}
