// The archive of batches.kind. A new kind is a file beside local.ts and s3.ts
// and its line here (and its value in batches.kind's list in
// config/schema.ts, which this map's type then demands). The S3 client is
// loaded only by a portal that keeps its batches in S3.

import type { PortalPaths } from '../config/load.ts';
import type { PortalConfig } from '../config/schema.ts';
import type { BatchArchive } from './archive.ts';
import { LocalArchive } from './local.ts';

const KINDS: Readonly<Record<PortalConfig['batches']['kind'], (c: PortalConfig, paths: PortalPaths) => Promise<BatchArchive>>> = {
  local: async (_c, paths) => new LocalArchive(paths.batches),
  s3: async (c) => {
    const { S3Archive } = await import('./s3.ts');
    const b = c.batches;
    return new S3Archive({
      endpoint: b.s3Endpoint, region: b.s3Region, bucket: b.s3Bucket, prefix: b.s3Prefix,
      accessKeyId: b.s3AccessKeyId, secretAccessKey: b.s3SecretAccessKey, pathStyle: b.s3PathStyle,
    });
  },
};

export function makeArchive(c: PortalConfig, paths: PortalPaths): Promise<BatchArchive> {
  return KINDS[c.batches.kind](c, paths);
}

export type { ArchiveCounters, BatchArchive } from './archive.ts';
