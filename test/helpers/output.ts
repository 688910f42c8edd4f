// Where tests leave what a person looks at after a run (screenshots, rendered
// report pages): test-output/ in the repository, not committed; CI keeps it
// as the run's artefacts.

import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..', 'test-output');

/** test-output/<part>, made if missing. */
export function outputDir(part: string): string {
  const dir = path.join(ROOT, part);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
