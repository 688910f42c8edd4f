// The load balancer of the scaled set-up: plain TCP, round robin over the
// portal processes' ports, as any TCP balancer in front of the receivers.
// Usage: node test/bench/tcp-balancer.ts PORT... ; prints "port N".

import net from 'node:net';

const targets = process.argv.slice(2).map(Number);
let next = 0;
const server = net.createServer((c) => {
  const port = targets[next++ % targets.length]!;
  const up = net.connect(port, '127.0.0.1');
  c.pipe(up).pipe(c);
  const end = () => { c.destroy(); up.destroy(); };
  c.once('error', end);
  up.once('error', end);
  c.once('close', end);
  up.once('close', end);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`));
process.once('SIGTERM', () => process.exit(0));
