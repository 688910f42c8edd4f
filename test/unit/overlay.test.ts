// The firmware overlay: the factory configuration is valid and uses the
// board's partitions; the init script is valid shell with every action.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolve } from '../../src/config/validate.ts';

describe('rootfs-overlay', () => {
  it('ships a factory configuration that validates and keeps state on the data partition', () => {
    const c = resolve(JSON.parse(fs.readFileSync('rootfs-overlay/usr/share/tmsp-agent/config.json', 'utf8')));
    expect(c.daemon.stateDir).toBe('/data/tmsp-agent');
    expect(c.daemon.controlSocket.startsWith('/run/')).toBe(true);
    expect(c.ingest.unixSocket.startsWith('/run/')).toBe(true);
    expect(c.daemon.logFile.startsWith('/data/')).toBe(true);
    expect(fs.readlinkSync('rootfs-overlay/etc/tmsp-agent')).toBe('/config/tmsp-agent');
  });

  it('has an executable init script that parses and offers start, stop, restart, reload and status in its usage', () => {
    const script = 'rootfs-overlay/etc/init.d/S60tmsp-agent';
    expect(fs.statSync(script).mode & 0o111).not.toBe(0);
    expect(spawnSync('sh', ['-n', script]).status).toBe(0);
    const usage = spawnSync('sh', [script, 'bogus'], { encoding: 'utf8' });
    expect(usage.status).toBe(1);
    expect(usage.stdout).toContain('start|stop|restart|reload|status');
  });
});
