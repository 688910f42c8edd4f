// Bounded memory for streams of large buffers. A Buffer's memory lives
// outside the JavaScript heap, and V8 collects it only when it collects the
// small object that owns it, which it does when the heap fills (rarely, for
// a few large objects) or after roughly 64 MB of such external memory.
// Streaming hundreds of MB of chunks would let RSS climb by that much, so the
// paths that churn through large buffers ask for a collection every few MB:
// young-generation ones (about a millisecond) for buffers that die young, and
// now and then a full one for those that lived through two young collections
// (a chunk being sent does) and so wait in the old generation.

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

/** Counts bytes through a path and collects garbage of the given kind every `every` bytes. */
export class GarbageBudget {
  private readonly every: number;
  private readonly type: 'minor' | 'major';
  private since = 0;

  constructor(every: number, type: 'minor' | 'major' = 'minor') {
    this.every = every;
    this.type = type;
  }

  add(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since = 0;
    gcFunction()?.({ type: this.type });
  }
}
