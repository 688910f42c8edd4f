// The report builder's export: every report of a date range in one zip,
// each as PDF, HTML and JSON. Entries are rendered one at a time as the zip
// is written (yazl's lazy streams), so memory holds one report, not the
// range; the zip is written beside its name and renamed when whole.

import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { TmspError } from '../../errors.ts';
import type { ReportRow } from '../store/types.ts';
import { reportDocument } from './html/document.ts';
import { fileNameOf } from './make.ts';
import type { ReportModel } from './model.ts';
import { reportPdf } from './pdf/pdf.ts';

type Render = (m: ReportModel) => Promise<Buffer> | Buffer;

const RENDERINGS: Array<[string, Render]> = [
  ['pdf', (m) => reportPdf(m)],
  ['html', (m) => Buffer.from(reportDocument(m))],
  ['json', (m) => Buffer.from(`${JSON.stringify(m, null, 1)}\n`)],
];

/** Writes `file`; returns the number of reports in it. */
export async function exportZip(rows: ReportRow[], load: (r: ReportRow) => Promise<ReportModel>, file: string): Promise<number> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const zip = new yazl.ZipFile();
  let written: Promise<void>;
  try {
    written = pipeline(zip.outputStream, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o640 }));
  } catch (err) {
    throw new TmspError('E_CONFIG_IO', `cannot write ${file}: ${(err as Error).message}`);
  }
  for (const r of rows) {
    // The model is read for the first of a report's entries and let go after the last.
    let model: Promise<ReportModel> | undefined;
    RENDERINGS.forEach(([ext, render], i) => {
      const name = `${r.type}/${fileNameOf({ type: r.type, first: r.firstDay, scope: r.scope }, ext)}`;
      zip.addReadStreamLazy(name, { mtime: new Date(r.madeAt ?? r.claimedAt) }, (cb) => {
        model ??= load(r);
        const m = model;
        if (i === RENDERINGS.length - 1) model = undefined;
        m.then(render).then((b) => cb(null, Readable.from([b])), (err: Error) => cb(err, undefined as never));
      });
    });
  }
  zip.end();
  try {
    await written;
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new TmspError('E_CONFIG_IO', `cannot write ${file}: ${(err as Error).message}`);
  }
  return rows.length;
}
