// The TMSP screen's buttons: Test Connection and Save. Both work on the
// candidate settings: the configuration file with the KEY=VALUE pairs given
// on the command line applied (what the operator typed, not yet saved).

import { save, readDoc } from '../config/store.ts';
import { assign, resolve } from '../config/validate.ts';
import { UsageError } from '../errors.ts';
import type { StepResult } from '../net/steps.ts';
import { probeTmsp, type TmspProbeResult } from '../tmsp/probe.ts';
import { notifyDaemon, parseAssignments } from './config.ts';
import type { Ctx } from './context.ts';
import { EXIT } from './exit-codes.ts';

export function humanSteps(steps: StepResult[]): string {
  return steps.map((s) => {
    const mark = s.skipped ? (s.ok ? '  -  ' : ' skip') : s.ok ? '  ok ' : ' FAIL';
    const hint = !s.ok && s.code ? `\n         hint: ${EXIT[s.code].hint}` : '';
    return `${mark} ${s.target}: ${s.step}${s.skipped ? '' : ` (${s.ms} ms)`}: ${s.detail}${hint}`;
  }).join('\n');
}

function candidate(ctx: Ctx, args: string[]) {
  const doc = readDoc(ctx.configFile);
  const next = args.length > 0 ? assign(doc, parseAssignments(args)) : doc;
  return { doc: next, config: resolve(next) };
}

function report(ctx: Ctx, r: TmspProbeResult, extra: Record<string, unknown> = {}): void {
  ctx.out.done({ ...extra, passed: r.ok, steps: r.steps, hostKeyFingerprint: r.hostKeyFingerprint,
    certificateFingerprints: r.certificateFingerprints, certificates: r.certificates }, humanSteps(r.steps));
}

function failure(r: TmspProbeResult): number {
  return EXIT[r.steps.find((s) => !s.ok && !s.skipped)?.code ?? 'E_TEST_FAILED'].exit;
}

export async function tmspCommand(ctx: Ctx, args: string[], opts: { force?: boolean }): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'test-connection') {
    const { config } = candidate(ctx, rest);
    const r = await probeTmsp(config);
    report(ctx, r);
    return r.ok ? 0 : failure(r);
  }
  if (sub === 'save') {
    let { doc, config } = candidate(ctx, rest);
    if (!config.tmsp.enabled) {
      // Turning TMSP off needs no test.
      save(ctx.configFile, doc);
      const reloaded = await notifyDaemon(config);
      ctx.out.done({ saved: true, tested: false, reloaded }, `saved (TMSP off)${reloaded ? '; the running agent reloaded it' : ''}`);
      return 0;
    }
    const r = await probeTmsp(config);
    if (!r.ok && !opts.force) {
      report(ctx, r, { saved: false });
      if (!ctx.out.json) process.stderr.write('not saved: the test failed (use --force to save anyway)\n');
      return failure(r);
    }
    // Saving after a test that showed the host key is the operator accepting it.
    if (config.tmsp.protocol === 'ssh' && config.tmsp.hostKeyFingerprint === '' && r.hostKeyFingerprint) {
      doc = assign(doc, [['tmsp.hostKeyFingerprint', r.hostKeyFingerprint]]);
    }
    config = save(ctx.configFile, doc);
    const reloaded = await notifyDaemon(config);
    report(ctx, r, { saved: true, forced: !r.ok, reloaded, acceptedHostKey: config.tmsp.hostKeyFingerprint || null });
    return 0;
  }
  throw new UsageError(sub ? `unknown tmsp command "${sub}"` : 'tmsp needs a command: test-connection, save');
}

