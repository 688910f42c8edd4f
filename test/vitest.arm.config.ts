// test:arm: the end-to-end scenarios again, with the agent being the arm64
// single executable under qemu-aarch64-static (TMSP_AGENT_EXE and
// TMSP_AGENT_EMULATOR, set by the npm script), against the same real peers.
// The same assertions as on the host; only the time limits are longer, since
// every start of the emulated program takes about two seconds.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: [
      'test/integration/daemon.test.ts',
      'test/integration/tmsp-connect.test.ts',
      'test/integration/tmsp-upload.test.ts',
      'test/integration/sms.test.ts',
    ],
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/arm-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
