// Bounded memory for streams of large buffers. A Buffer's memory lives
// outside the JavaScript heap, and V8 collects it only when it collects the
// small object that owns it, which it does when the heap fills (rarely, for
// a few large objects) or after roughly 64 MB of such external memory.
// Streaming hundreds of MB of chunks would let RSS climb by that much, so the
// paths that churn through large buffers ask for a young-generation
// collection every few MB read: about a millisecond each, and RSS stays flat.

import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gc: Gc | null | undefined;

function gcFunction(): Gc | null {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** Counts bytes through a path and collects young garbage every `every` bytes. */
export class GarbageBudget {
  private readonly every: number;
  private since = 0;

  constructor(every = 8 * 1024 * 1024) {
    this.every = every;
  }

  add(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since = 0;
    gcFunction()?.({ type: 'minor' });
  }
}
