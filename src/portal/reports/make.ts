// A report's model for a period and scope: the daily one, or an executive one.

import { dailyModel, type MakeContext } from './daily.ts';
import { executiveModel } from './executive.ts';
import type { ReportModel } from './model.ts';
import type { Period } from './periods.ts';

export type { MakeContext };

export function modelOf(p: Period, scope: string, c: MakeContext): Promise<ReportModel> {
  return p.type === 'daily' ? dailyModel(p, scope, c) : executiveModel(p, scope, c);
}

/** A file name for a report, safe characters only whatever the account is called; the whole portal's names no account. */
export function fileNameOf(m: Pick<ReportModel, 'type' | 'first' | 'scope'>, ext: string): string {
  const scope = m.scope === '*' ? '' : `-${m.scope.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64)}`;
  return `tmsp-${m.type}-${m.first}${scope}.${ext}`;
}
