// Runs once before the suite: say which Node runs it, and refuse to run on
// any other than the pinned one (the board's).

import fs from 'node:fs';

export default function setup(): void {
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
}
