// A datagram carries one message; senders differ in what they append
// (newline, CR LF, a C string's NUL). None of it is part of the message.

export function trimDatagram(msg: Buffer): Buffer {
  let end = msg.length;
  while (end > 0) {
    const c = msg[end - 1];
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  return end === msg.length ? msg : msg.subarray(0, end);
}
