// What an upload destination is. Sinks are picked by tmsp.protocol
// (sinks.ts); adding a transport means adding one file that implements
// this. A sink knows nothing of the spool: it gets a name, an exact length
// and a stream to read.

import type { Readable } from 'node:stream';
import type { ProxySettings } from '../net/proxy.ts';
import type { TlsTrust } from '../net/tls.ts';

export interface UploadItem {
  /** <applianceId>/<first>-<last>.ndjson.gz, relative to the base path. */
  name: string;
  bytes: number;
  /** Opens the content; called once per attempt. */
  open(): Readable;
}

export interface SinkTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  basePath: string;
  proxy: ProxySettings | undefined;
  noProxy: readonly string[];
  timeoutMs: number;
  keepaliveMs: number;
  /** SFTP: accepted host key fingerprint (SHA256:...), "" when none accepted yet. */
  hostKeyFingerprint: string;
  /** HTTPS: extra CA and pins. */
  tls: TlsTrust;
  parallelWrites: number;
  bandwidthLimitBytes: number;
}

export interface Sink {
  readonly kind: 'sftp' | 'https';
  /** Upload one batch; resolves once the server holds it, complete, under its final name. */
  upload(item: UploadItem): Promise<void>;
  /** Close any connection kept between uploads. */
  close(): Promise<void>;
}
