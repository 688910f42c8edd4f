// A report's body as HTML, for the portal's page to frame (pages/report.ts)
// and for the document of its own (document.ts). Every string of the model
// is data (threat names, host names and addresses come off the network) and
// goes through markup/html.ts's escaping. A model of a version this code does
// not know is refused, not guessed at.

import { checkVersion, ReportVersionError, type ReportModel } from '../model.ts';
import { dailyBody } from './daily.ts';
import { executiveBody } from './executive.ts';

export { ReportVersionError };

export function reportBody(model: ReportModel): string {
  checkVersion(model);
  if (model.type === 'daily') return dailyBody(model).text;
  if (model.type === 'weekly' || model.type === 'monthly') return executiveBody(model).text;
  throw new Error(`unknown report type ${String((model as { type: unknown }).type)}`);
}
