// Runs once before the suite: say which Node runs it, and refuse to run on
// any other than the pinned one (the board's); then start the one
// PostgreSQL server the store tests share (each test makes a database of
// its own in it, test/helpers/stores.ts).

import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { peerRoot, startPostgres } from '../peers/peers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  const pin = pkg.optionalDependencies[`node-linux-${process.arch}`];
  process.stdout.write(`tests run on Node ${process.version} (${process.execPath}); pinned: v${pin}\n`);
  if (process.version !== `v${pin}`) {
    throw new Error(`tests must run on the pinned Node v${pin}, not ${process.version}: use npm test`);
  }
  if (!fs.existsSync(new URL('../../dist/tmsp-agent.cjs', import.meta.url))) {
    throw new Error('dist/tmsp-agent.cjs is missing: npm test builds it first (node build.mjs)');
  }
  const root = peerRoot();
  const pg = await startPostgres(root);
  project.provide('postgresPort', pg.port);
  return async () => {
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
