// The sinks, by tmsp.protocol: adding a transport is adding its folder and
// its line here (and its value to tmsp.protocol's list in config/schema.ts,
// which this map's type then demands).

import type { Config } from '../../config/schema.ts';
import type { LogServer, Sink, SinkDefinition } from '../sink.ts';
import { logServer } from '../target.ts';
import { https } from './https/index.ts';
import { sftp } from './sftp/index.ts';

export const SINKS: Readonly<Record<Config['tmsp']['protocol'], SinkDefinition>> = {
  ssh: sftp,
  ssl: https,
};

/** The log server's settings for tmsp.protocol's sink (its own on top of the common ones). */
export function logTarget(c: Config): LogServer {
  const def = SINKS[c.tmsp.protocol];
  return def.target(c, logServer(c, def.defaultPort));
}

export function createSink(c: Config): Sink {
  return SINKS[c.tmsp.protocol].create(logTarget(c));
}

/** How status names the sink: "sftp", "https". */
export function sinkName(c: Config): string {
  return SINKS[c.tmsp.protocol].label.toLowerCase();
}
