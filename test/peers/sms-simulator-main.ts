// The SMS simulator as its own process, as a real SMS would be: tests must
// not answer HTTPS from their own event loop while a CLI they spawned waits.
// Prints {"port", "control"} once listening; a plain-HTTP control port on the
// loopback lets tests read entries and requests, change the rate limit and
// the tag categories, and make the API unreachable and back.

import http from 'node:http';
import type net from 'node:net';
import { CATEGORIES, SmsSimulator, type SimOptions } from './sms-simulator.ts';

const opts = JSON.parse(process.argv[2]!) as SimOptions;
const sim = await new SmsSimulator(opts).start();

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', async () => {
    const send = (v: unknown) => {
      // One request per connection: a kept-alive socket the server closes while the client reuses it fails the call.
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify(v));
    };
    switch (`${req.method} ${req.url}`) {
      case 'GET /entries': return send([...sim.entries.values()]);
      case 'GET /requests': return send(sim.requests);
      case 'GET /add-counts': return send(Object.fromEntries(sim.addCount));
      case 'POST /reset':
        sim.entries.clear();
        sim.requests.length = 0;
        sim.addCount.clear();
        return send({ ok: true });
      case 'POST /rate-limit':
        sim.setRateLimit(body ? JSON.parse(body) : undefined);
        return send({ ok: true });
      case 'POST /categories': {
        // {"without": [names]}: the SMS lacks these tag categories; {} gives every one back.
        const without = new Set<string>(body ? (JSON.parse(body).without ?? []) : []);
        sim.categories = Object.fromEntries(Object.entries(CATEGORIES).filter(([k]) => !without.has(k)));
        return send({ ok: true });
      }
      case 'POST /stop': await sim.stop(); return send({ ok: true });
      case 'POST /start': await sim.start(sim.port); return send({ ok: true });
      default:
        res.writeHead(404);
        res.end();
    }
  });
});
control.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: sim.port, control: (control.address() as net.AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
