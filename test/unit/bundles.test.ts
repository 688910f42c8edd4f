// The two programs ship apart: the agent's bundle (and so its single
// executable, whose main script it is) carries nothing of the portal, and
// the portal's carries only its own rooms and the shared ones.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const SHARED = ['src/errors.ts', 'src/core/', 'src/settings/', 'src/native/', 'src/parse/', 'src/protocol/'];
const inputs = JSON.parse(fs.readFileSync('dist/bundle-inputs.json', 'utf8')) as { agent: string[]; portal: string[] };
/** Words only the portal says: its notice's subject. */
const PORTAL_ONLY = 'No heartbeat received from registered product';

describe('the bundles', () => {
  it('the agent carries nothing of the portal, nor its dependencies', () => {
    expect(inputs.agent.filter((f) => f.startsWith('src/portal/') || f.startsWith('test/'))).toEqual([]);
    expect(inputs.agent.filter((f) => /node_modules\/(aedes|nodemailer|playwright-core)\//.test(f))).toEqual([]);
    expect(fs.readFileSync('dist/tmsp-agent.cjs', 'utf8')).not.toContain(PORTAL_ONLY);
    for (const target of ['linux-x64', 'linux-arm64']) {
      const exe = `dist/${target}/tmsp-agent`;
      if (fs.existsSync(exe)) expect(fs.readFileSync(exe).includes(PORTAL_ONLY), exe).toBe(false);
    }
  });

  it('the portal carries its rooms and the shared ones, nothing else of the agent', () => {
    const ours = inputs.portal.filter((f) => f.startsWith('src/'));
    expect(ours.some((f) => f.startsWith('src/portal/'))).toBe(true);
    expect(ours.filter((f) => !f.startsWith('src/portal/') && !SHARED.some((s) => f.startsWith(s)))).toEqual([]);
    expect(fs.readFileSync('dist/tmsp-portal.cjs', 'utf8')).toContain(PORTAL_ONLY);
  });
});
