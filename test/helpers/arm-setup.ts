// Before the ARM run: the arm64 executable exists, the emulator runs it,
// and it is the pinned Node, arm64.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export default function setup(): void {
  const exe = process.env.TMSP_AGENT_EXE;
  const emu = (process.env.TMSP_AGENT_EMULATOR ?? '').split(' ').filter(Boolean);
  if (!exe || !fs.existsSync(exe)) throw new Error('TMSP_AGENT_EXE must name the arm64 executable (npm run test:arm builds it)');
  const out = execFileSync(emu[0] ?? exe, [...emu.slice(1), ...(emu.length ? [exe] : []), '--json', 'version'], { encoding: 'utf8' });
  const file = execFileSync('file', ['-b', exe], { encoding: 'utf8' });
  process.stdout.write(`agent under test: ${exe} (${file.split(',').slice(0, 2).join(',')}) via ${emu.join(' ') || 'native'}: ${out}`);
  if (!/ARM aarch64/.test(file)) throw new Error(`${exe} is not an arm64 executable`);
}
