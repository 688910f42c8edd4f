// test:boot: the emulated board (board/qemu-aarch64), one long test.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/arm/boot.test.ts'],
    pool: 'forks',
    testTimeout: 900_000,
    reporters: ['default'],
  },
});
