// What an upload destination is. A sink is one folder under sinks/ (its
// transport, its Test Connection steps and its settings) and one line in
// sinks/index.ts, the registry tmsp.protocol picks from. A sink knows nothing
// of the spool: it gets a name, an exact length and a stream to read.

import type net from 'node:net';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.ts';
import type { Codec } from '../protocol/batch.ts';
import type { CertificateInfo } from '../errors.ts';
import type { ProxySettings } from '../net/proxy.ts';
import type { StepRunner } from '../net/steps.ts';

export interface UploadItem {
  /** <applianceId>/<first>-<last>.ndjson.gz (or .zst), relative to the base path. */
  name: string;
  codec: Codec;
  bytes: number;
  /** Opens the content; called once per attempt. */
  open(): Readable;
}

export interface Sink {
  /** Upload one batch; resolves once the server holds it, complete, under its final name. */
  upload(item: UploadItem): Promise<void>;
  /** Close any connection kept between uploads. */
  close(): Promise<void>;
}

/** What every log server connection needs, from the TMSP settings. */
export interface LogServer {
  host: string;
  port: number;
  username: string;
  password: string;
  basePath: string;
  proxy: ProxySettings | undefined;
  noProxy: readonly string[];
  timeoutMs: number;
  keepaliveMs: number;
  bandwidthLimitBytes: number;
}

/** What a sink's Test Connection steps report into. */
export interface SinkProbe {
  runner: StepRunner;
  /** The target name the steps are filed under: "log server". */
  target: string;
  applianceId: string;
  hostKey(fingerprint: string): void;
  certificate(cert: CertificateInfo): void;
}

export interface SinkDefinition<T extends LogServer = LogServer> {
  /** The transport's name for people and for status: "SFTP", "HTTPS". */
  readonly label: string;
  /** The log server's port when tmsp.logServer names none. */
  readonly defaultPort: number;
  /** This sink's own settings, on top of what every log server needs. */
  target(c: Config, server: LogServer): T;
  create(t: T): Sink;
  /** The steps after the connection is open (handshake, login, a probe file), on the socket given. */
  probe(p: SinkProbe, sock: net.Socket, t: T): Promise<void>;
}

/**
 * A sink as the registry holds it: its own target type erased. Sound, since
 * only its own target() makes the target its create() and probe() are given.
 */
export function defineSink<T extends LogServer>(d: SinkDefinition<T>): SinkDefinition {
  return d as unknown as SinkDefinition;
}
