// A daemon's process tuned at start: V8 reads its heap sizes only when the
// process starts (v8.setFlagsFromString is too late for them), so a daemon
// started without its flags re-executes itself in place (same pid, so a
// supervisor sees nothing) with them and with its environment. A single
// executable carries its flags in its own start-up arguments and is left
// alone, as is a process whose operator set `optOut` to 1.

import sea from 'node:sea';

export function reexecWith(flags: readonly string[], env: Readonly<Record<string, string>>, optOut: string): void {
  const tuned = flags.every((f) => process.execArgv.includes(f)) && Object.entries(env).every(([k, v]) => process.env[k] === v);
  if (tuned || process.env[optOut] === '1' || typeof process.execve !== 'function' || sea.isSea()) return;
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)],
    { ...process.env, ...env } as Record<string, string>);
}
