// SMS distribution throughput: objects delivered per second to the
// simulator (its rate limit switched off; the agent's pacing too), and the
// requests it took per 1,000 objects, with CSV import for large sets and
// with query-string batches only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from '../../src/cli/control-client.ts';
import { RunningAgent } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import { ccLine, smsSection, startSimulator } from '../helpers/sms.ts';
import { freePort } from '../peers/peers.ts';

async function run(label: string, n: number, sms: Record<string, unknown>, say: (s: string) => void) {
  const { sim, ca } = await startSimulator('server');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-smsbench-'));
  const port = await freePort();
  const config = {
    appliance: { productName: 'TippingPoint ATP for Email', hostname: 'bench' },
    ingest: { unixSocket: '', udpPort: 0, tcpPort: port },
    sms: smsSection(sim.port, ca, { riskLevel: 'high', requestIntervalMs: 0, ...sms }),
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'warn' },
  };
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const agent = await new RunningAgent(file, config).ready();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(ccLine(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, i % 2 ? `c${i}.bench.example` : undefined, 8, i));
  const objects = n + Math.floor(n / 2);
  const t0 = process.hrtime.bigint();
  await sendTcp(port, `${lines.join('\n')}\n`);
  for (;;) {
    const st = await request(config.daemon.controlSocket, 'status');
    if (st.sms && st.sms.onSms >= objects && st.sms.pending === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const requests = (await sim.requests()).filter((q) => q.path !== '/dbAccess/tptDBServlet').length;
  const entries = (await sim.entries()).length;
  await agent.stop();
  await sim.kill();
  fs.rmSync(dir, { recursive: true, force: true });
  const r = { label, objects, delivered: entries, seconds, objectsPerSec: objects / seconds, requestsPer1000: (requests / objects) * 1000 };
  say(`  ${label.padEnd(44)} ${Math.round(r.objectsPerSec).toLocaleString('en').padStart(8)} objects/s  ${r.requestsPer1000.toFixed(1).padStart(6)} requests per 1,000  (${entries}/${objects} on the SMS, ${seconds.toFixed(2)} s from the first line)`);
  return r;
}

export async function benchSms(n: number, say: (s: string) => void): Promise<unknown[]> {
  say(`SMS distribution: ${n.toLocaleString('en')} C&C detections (${Math.floor(n * 1.5).toLocaleString('en')} objects) over TCP syslog, simulator without rate limit`);
  return [
    await run('CSV import for large sets (default)', n, {}, say),
    await run('query-string batches of 50 only', n, { importThreshold: 100000 }, say),
  ];
}
