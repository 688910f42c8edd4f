// One source of truth for settings: every field, with values its rule should
// take and values it should refuse and some that are merely odd, is walked
// through `config set`, then `config validate` of the saved file, then what
// `run` does with it (load and start the daemon, with TMSP and SMS
// distribution on). No value that the first accepts may be refused by a later
// one: on a board, "saved" followed by a daemon that will not start is a
// restart loop.

import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCommand } from '../../src/cli/config.ts';
import type { Out } from '../../src/cli/output.ts';
import { load } from '../../src/config/store.ts';
import { FIELD_BY_KEY } from '../../src/config/schema.ts';
import { Agent } from '../../src/daemon/agent.ts';
import { errorCode } from '../../src/errors.ts';
import { CASES } from '../helpers/config-cases.ts';
import { freePort } from '../peers/peers.ts';
import os from 'node:os';

// Odd values every field gets as well as its own examples.
const ODD = ['', ' ', '0', '1', '65535', 'true', 'x', 'a,b', '~~~', 'ATP~~~E', 'a b', 'é', ' padded ', 'x'.repeat(255),
  '127.0.0.1', '::1', 'host.example.com:2222', '64KiB', 'ipv4', 'high', '/abs/p'];

let root: string;
let closedPort: number;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-walk-'));
  closedPort = await freePort();
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Everything on, pointing at a port nobody listens on; no listener outside the walk's own directory. */
function base(dir: string): Record<string, Record<string, unknown>> {
  return {
    appliance: { id: 'walk-01' },
    tmsp: {
      enabled: true, protocol: 'ssl', logServer: `127.0.0.1:${closedPort}`, statusServer: `127.0.0.1:${closedPort}`,
      username: 'u', password: 'p', registrationEmail: 'a@example.com', retryMaxSeconds: 3600,
    },
    proxy: { host: '127.0.0.1', port: closedPort },
    sms: { enabled: true, server: '127.0.0.1', port: closedPort, username: 'u', password: 'p', retryMaxSeconds: 3600 },
    ingest: { unixSocket: '', udpPort: 0, tcpPort: 0 },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'error' },
  };
}

/** Paths go inside the walk's directory: the daemon creates what they name. */
function inDir(key: string, value: string, dir: string): string {
  if (!FIELD_BY_KEY.get(key)!.rule.includes('absolute path')) return value;
  return value.split(',').map((v) => (v.trim().startsWith('/') ? path.join(dir, 'p', v.trim()) : v)).join(',');
}

function quietOut(): Out & { failure?: unknown } {
  const o: Out & { failure?: unknown } = {
    json: true,
    done: () => {},
    fail: (err) => {
      o.failure = err;
      return 2;
    },
    list: async () => 0,
  };
  return o;
}

async function command(file: string, args: string[]): Promise<unknown> {
  const out = quietOut();
  try {
    await configCommand({ configFile: file, out }, args, {});
    return undefined;
  } catch (err) {
    return err;
  }
}

async function run(file: string): Promise<unknown> {
  try {
    const agent = new Agent(file, load(file), pino({ level: 'silent' }));
    try {
      await agent.start();
    } finally {
      await agent.stop();
    }
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('config set → config validate → run', () => {
  it('refuses nothing later that config set accepted, for any field', async () => {
    const broken: string[] = [];
    let accepted = 0;
    let n = 0;
    for (const [key, good, bad] of CASES) {
      for (const raw of new Set([...good, ...bad, ...ODD])) {
        const dir = path.join(root, String(n++));
        fs.mkdirSync(dir);
        const file = path.join(dir, 'config.json');
        fs.writeFileSync(file, JSON.stringify(base(dir)), { mode: 0o600 });
        const value = inDir(key, raw, dir);
        if (await command(file, ['set', `${key}=${value}`])) continue; // refused: nothing to carry on
        accepted++;
        const invalid = await command(file, ['validate', file]);
        if (invalid) {
          broken.push(`${key}=${JSON.stringify(value)}: config set accepted it, config validate refused it: ${(invalid as Error).message}`);
          continue;
        }
        const failed = await run(file);
        if (failed) {
          broken.push(`${key}=${JSON.stringify(value)}: config set accepted it, run refused it (${errorCode(failed)}): ${(failed as Error).message}`);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(broken).toEqual([]);
    expect(accepted).toBeGreaterThan(200);
  }, 300_000);
});
