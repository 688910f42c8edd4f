import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withJsonReference } from '../../src/cli/json-output.ts';
import { withReference } from '../../src/config/reference.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { PORTAL_EXIT } from '../../src/portal/cli/exit-codes.ts';
import { withPortalReference } from '../../src/portal/config/reference.ts';

const readme = fs.readFileSync('README.md', 'utf8');

describe('README', () => {
  it('carries the configuration reference of the current schema (node build.mjs --docs)', () => {
    expect(withReference(readme)).toBe(readme);
  });

  it('carries the portal\'s configuration reference of its current schema (node build.mjs --docs)', () => {
    expect(withPortalReference(readme)).toBe(readme);
  });

  it('documents every exit code of the portal', () => {
    const table = readme.slice(readme.indexOf('<!-- portal-exit-codes -->'), readme.indexOf('<!-- /portal-exit-codes -->'));
    for (const [code, { exit }] of Object.entries(PORTAL_EXIT)) expect(table).toMatch(new RegExp(`\\| ${exit} \\| \`${code}\``));
  });

  it('documents every field of every command\'s JSON output, as the contract table says (node build.mjs --docs)', () => {
    expect(withJsonReference(readme)).toBe(readme);
  });

  it('documents every exit code', () => {
    for (const [code, { exit }] of Object.entries(EXIT)) expect(readme).toMatch(new RegExp(`\\| ${exit} \\| \`${code}\``));
  });

  it('names the one command that runs the tests, and .ci/run runs exactly it', () => {
    expect(readme).toContain('npm ci && npm run test:all');
    expect(fs.readFileSync('.ci/run', 'utf8')).toMatch(/\nnpm ci\nnpm run test:all\n/);
  });
});
