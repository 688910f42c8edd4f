// NDJSON lines out of a decompressed stream, each at most `max` bytes: a record
// longer than any the agent writes means the batch is not what it claims.

export class LineTooLong extends Error {}

export async function* lines(stream: AsyncIterable<Buffer>, max: number): AsyncGenerator<string> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      if (heldBytes + part.length > max) throw new LineTooLong(`a record is longer than ${max} bytes`);
      yield (held.length ? Buffer.concat([...held, part]) : part).toString('utf8');
      held = [];
      heldBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      heldBytes += rest.length;
      if (heldBytes > max) throw new LineTooLong(`a record is longer than ${max} bytes`);
      held.push(rest);
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held).toString('utf8');
}
