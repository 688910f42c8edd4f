// The TMSP screen's buttons: Test Connection and Save. Both work on the
// candidate settings: the configuration file with the KEY=VALUE pairs given
// on the command line applied (what the operator typed, not yet saved).

import { save } from '../config/store.ts';
import { readDoc } from '../settings/file.ts';
import { assign, resolve } from '../config/validate.ts';
import { TmspError, UsageError } from '../errors.ts';
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

function fields(r: TmspProbeResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, passed: r.ok, steps: r.steps, hostKeyFingerprint: r.hostKeyFingerprint,
    certificateFingerprints: r.certificateFingerprints, certificates: r.certificates };
}

/** A failed test is a failure: ok:false, the first failed step's code, and the steps. */
export function testFailed(ctx: Ctx, steps: StepResult[], f: Record<string, unknown>): number {
  const first = steps.find((s) => !s.ok && !s.skipped);
  const err = new TmspError(first?.code ?? 'E_TEST_FAILED',
    first ? `${first.target}: ${first.step} failed: ${first.detail}` : 'the connection test failed');
  return ctx.out.fail(err, f, humanSteps(steps));
}

export async function tmspCommand(ctx: Ctx, args: string[], opts: { force?: boolean }): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'test-connection') {
    const { config } = candidate(ctx, rest);
    const r = await probeTmsp(config);
    if (!r.ok) return testFailed(ctx, r.steps, fields(r));
    ctx.out.done(fields(r), humanSteps(r.steps));
    return 0;
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
      if (!ctx.out.json) process.stderr.write('not saved: the test failed (use --force to save anyway)\n');
      return testFailed(ctx, r.steps, fields(r, { saved: false }));
    }
    // Saving after a test that showed the host key is the operator accepting it.
    if (config.tmsp.protocol === 'ssh' && config.tmsp.hostKeyFingerprint === '' && r.hostKeyFingerprint) {
      doc = assign(doc, [['tmsp.hostKeyFingerprint', r.hostKeyFingerprint]]);
    }
    config = save(ctx.configFile, doc);
    const reloaded = await notifyDaemon(config);
    ctx.out.done(fields(r, { saved: true, forced: !r.ok, reloaded, acceptedHostKey: config.tmsp.hostKeyFingerprint || null }),
      humanSteps(r.steps));
    return 0;
  }
  throw new UsageError(sub ? `unknown tmsp command "${sub}"` : 'tmsp needs a command: test-connection, save');
}

