// The CLI's side of the control socket.

import net from 'node:net';
import { TmspError, type ErrorCode } from '../errors.ts';
import { MAX_CONTROL_LINE, type ControlCommand, type ControlCommands, type ControlResponse } from '../daemon/control-protocol.ts';

export function request<K extends ControlCommand>(socketPath: string, cmd: K, args?: ControlCommands[K]['args'],
  timeoutMs = 15_000): Promise<ControlCommands[K]['result']> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new TmspError('E_DAEMON_DOWN', `no answer from the agent on ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('connect', () => s.write(`${JSON.stringify({ cmd, args })}\n`));
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.length > MAX_CONTROL_LINE) s.destroy(new Error('answer too long'));
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const down = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      reject(new TmspError(down ? 'E_DAEMON_DOWN' : 'E_DAEMON_PROTOCOL',
        down ? `the agent is not running (no control socket at ${socketPath})` : err.message));
    });
    s.on('end', () => {
      clearTimeout(timer);
      let res: ControlResponse;
      try {
        res = JSON.parse(buf) as ControlResponse;
      } catch {
        reject(new TmspError('E_DAEMON_PROTOCOL', 'the agent sent an answer that is not JSON'));
        return;
      }
      if (res.ok) resolve(res.result as ControlCommands[K]['result']);
      else reject(new TmspError(res.error.code as ErrorCode, res.error.message));
    });
  });
}
