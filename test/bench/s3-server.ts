// s3rver as a process of its own for the fleet bench's scaled set-up, so
// that its CPU and memory are measured apart from the generator's.
// Usage: node test/bench/s3-server.ts DIR BUCKET; prints "port N" once listening.

import { createRequire } from 'node:module';
import type net from 'node:net';

type S3rverClass = new (o: { port: number; address: string; directory: string; silent: boolean; configureBuckets: Array<{ name: string }>;
  vhostBuckets: boolean }) => { run(): Promise<net.AddressInfo>; close(): Promise<void> };
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const [dir, bucket] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir!, silent: true, configureBuckets: [{ name: bucket! }], vhostBuckets: false });
const { port } = await server.run();
process.stdout.write(`port ${port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
