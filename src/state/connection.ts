// A database connection that survives its file being damaged. Flash loses
// pages: a database that opened fine can answer SQLITE_CORRUPT to any
// statement later, and then would answer it to every retry forever. Every
// statement made here is watched; the first sign of damage moves the file
// aside, starts a new one with what could still be read from the old, and
// the statements the rooms hold go on against the new file (they are made
// again on their next use). The rooms never see a different object.

import type Database from 'better-sqlite3';

/** What the rooms use of a database. */
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P extends unknown[] ? P : [P], R>;

export function isDamage(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/** Replaces a damaged database: returns the new connection and where the old one went. */
export type Recover = (damaged: Database.Database, err: unknown) => { fresh: Database.Database; movedTo: string };

export class Connection {
  private raw: Database.Database;
  private generation = 0;
  private readonly recoverFn: Recover;
  private recovery: Promise<void> | undefined;
  /** Where the last damaged file was moved (at open or later). */
  recoveredFrom: string | undefined;
  /** Told after each replacement (the daemon logs it and says so in health). */
  onRecovered: ((movedTo: string, err: unknown) => void) | undefined;

  constructor(raw: Database.Database, recover: Recover, recoveredFrom?: string) {
    this.raw = raw;
    this.recoverFn = recover;
    this.recoveredFrom = recoveredFrom;
  }

  /** Resolves once a replacement under way is done (at once when none is). */
  recovered(): Promise<void> {
    return this.recovery ?? Promise.resolve();
  }

  /** Note an error; damage starts the replacement, after the statement that found it has unwound. */
  check(err: unknown): void {
    if (!isDamage(err) || this.recovery) return;
    this.recovery = new Promise((resolve) => {
      setImmediate(() => {
        try {
          const { fresh, movedTo } = this.recoverFn(this.raw, err);
          this.raw = fresh;
          this.generation++;
          this.recoveredFrom = movedTo;
          this.onRecovered?.(movedTo, err);
        } finally {
          this.recovery = undefined;
          resolve();
        }
      });
    });
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      this.check(err);
      throw err;
    }
  }

  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    // On every statement of the hot paths: no closure or copy is made per call.
    type Raw = { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown; all(...a: unknown[]): unknown; iterate(...a: unknown[]): IterableIterator<R> };
    let gen = this.generation;
    let stmt = this.raw.prepare(sql) as unknown as Raw;
    const self = this;
    const current = (): Raw => {
      if (gen !== self.generation) {
        stmt = self.raw.prepare(sql) as unknown as Raw;
        gen = self.generation;
      }
      return stmt;
    };
    const invoke = (k: 'run' | 'get' | 'all', args: unknown[]) => {
      try {
        return current()[k](...args);
      } catch (err) {
        self.check(err);
        throw err;
      }
    };
    return {
      run: (...args: unknown[]) => invoke('run', args),
      get: (...args: unknown[]) => invoke('get', args),
      all: (...args: unknown[]) => invoke('all', args),
      *iterate(...args: unknown[]) {
        const it = self.guard(() => current().iterate(...args));
        try {
          for (;;) {
            const n = self.guard(() => it.next());
            if (n.done) return;
            yield n.value;
          }
        } finally {
          it.return?.();
        }
      },
    } as unknown as Statement<P, R>;
  }

  /** A transaction function, made once per underlying connection (making one costs more than most statements). */
  transaction<F extends (...args: never[]) => unknown>(fn: F): F {
    let gen = -1;
    let txn: F | undefined;
    return ((...args: Parameters<F>) => {
      if (gen !== this.generation || !txn) {
        txn = this.raw.transaction(fn) as unknown as F;
        gen = this.generation;
      }
      return this.guard(() => txn!(...args));
    }) as F;
  }

  pragma(source: string, options?: Database.PragmaOptions): unknown {
    return this.guard(() => this.raw.pragma(source, options));
  }

  exec(source: string): this {
    this.guard(() => this.raw.exec(source));
    return this;
  }

  get inTransaction(): boolean {
    return this.raw.inTransaction;
  }

  close(): void {
    this.raw.close();
  }
}
