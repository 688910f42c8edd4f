// The SMS screen's buttons and the SMS menu actions: test-connection and save
// (on candidate settings, like the TMSP ones), status, query (look an entry
// up on the SMS itself), purge.

import { controlSocketOf, save } from '../config/store.ts';
import { readDoc } from '../settings/file.ts';
import { assign, resolve } from '../config/validate.ts';
import { TmspError, UsageError } from '../errors.ts';
import { SmsClient } from '../sms/client.ts';
import { normaliseDomain, normaliseIPv4 } from '../sms/object.ts';
import { probeSms, type SmsProbeResult } from '../sms/probe.ts';
import { smsTarget, type SmsStats } from '../sms/room.ts';
import { notifyDaemon, parseAssignments } from './config.ts';
import { request } from './control-client.ts';
import type { Ctx } from './context.ts';
import { failedLine } from './objects.ts';
import { humanSteps, testFailed } from './tmsp.ts';

function candidate(ctx: Ctx, args: string[]) {
  const doc = readDoc(ctx.configFile);
  const next = args.length > 0 ? assign(doc, parseAssignments(args)) : doc;
  return { doc: next, config: resolve(next) };
}

function fields(r: SmsProbeResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, passed: r.ok, steps: r.steps, certificateFingerprint: r.certificateFingerprint, certificate: r.certificate };
}

function humanStats(s: SmsStats): string {
  const d = s.distribution;
  const refused = s.lastFailure ? [
    `refused by the SMS: ${s.failed} ${s.failed === 1 ? 'entry' : 'entries'} set aside; latest: ${failedLine(s.lastFailure)}`,
    '  list them: tmsp-agent objects list --failed; after fixing the cause: tmsp-agent sms retry',
  ] : [];
  return [
    `object distribution: ${s.enabled ? 'on' : 'off'}${s.purging ? ' (purging)' : ''}; ${d.state}`,
    `objects: ${s.objects} (${Object.entries(s.byTypeAndRisk).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}); on the SMS: ${s.onSms}`,
    `outbox: ${s.pending} pending, ${s.failed} failed; sent ${s.sent.adds} adds, ${s.sent.deletes} deletes in ${d.requests} requests`,
    d.lastError ? `last error: ${d.lastError}${d.nextAttemptAt ? `; next attempt ${d.nextAttemptAt}` : ''}` : `last success: ${d.lastSuccessAt ?? 'never'}`,
    ...refused,
  ].join('\n');
}

export async function smsCommand(ctx: Ctx, args: string[], opts: { force?: boolean }): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'test-connection': {
      const { config } = candidate(ctx, rest);
      const r = await probeSms(config);
      if (!r.ok) return testFailed(ctx, r.steps, fields(r));
      ctx.out.done(fields(r), humanSteps(r.steps));
      return 0;
    }
    case 'save': {
      const { doc, config } = candidate(ctx, rest);
      let r: SmsProbeResult | undefined;
      if (config.sms.enabled) {
        r = await probeSms(config);
        if (!r.ok && !opts.force) {
          if (!ctx.out.json) process.stderr.write('not saved: the test failed (use --force to save anyway)\n');
          return testFailed(ctx, r.steps, fields(r, { saved: false }));
        }
      }
      save(ctx.configFile, doc);
      const reloaded = await notifyDaemon(config);
      if (r) ctx.out.done(fields(r, { saved: true, forced: !r.ok, reloaded }), humanSteps(r.steps));
      else ctx.out.done({ saved: true, tested: false, reloaded }, `saved (Object Distribution off)${reloaded ? '; the running agent reloaded it' : ''}`);
      return 0;
    }
    case 'status': {
      const s = await request(controlSocketOf(ctx.configFile), 'sms-status');
      ctx.out.done({ sms: s }, humanStats(s));
      return 0;
    }
    case 'query': {
      const value = rest[0];
      if (!value) throw new UsageError('sms query needs an IPv4 address or a domain');
      const ip = normaliseIPv4(value);
      const domain = ip ? undefined : normaliseDomain(value);
      if (!ip && !domain) throw new UsageError(`value: must be an IPv4 address or a domain name (got ${JSON.stringify(value)})`);
      const { config } = candidate(ctx, []);
      const q = await new SmsClient(smsTarget(config)).query([ip ? { type: 'ipv4', value: ip } : { type: 'domain', value: domain! }]);
      if (!q.found) {
        return ctx.out.fail(new TmspError('E_NOT_FOUND', `${ip ?? domain}: not in the SMS Reputation Database`),
          { value: ip ?? domain, found: false });
      }
      ctx.out.done({ value: ip ?? domain, found: true, entry: q.body.trim() }, q.body.trim());
      return 0;
    }
    case 'retry': {
      const [type, value] = rest;
      if (type && !value) throw new UsageError('sms retry takes no argument (every entry set aside) or TYPE VALUE');
      const r = await request(controlSocketOf(ctx.configFile), 'sms-retry', type ? { type, value } : {});
      ctx.out.done(r, `${r.retried} ${r.retried === 1 ? 'entry' : 'entries'} queued again`);
      return 0;
    }
    case 'purge': {
      const r = await request(controlSocketOf(ctx.configFile), 'sms-purge');
      ctx.out.done(r, `deleting the ${r.entries} entries this appliance put on the SMS (see sms status)`);
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown sms command "${sub}"` : 'sms needs a command: test-connection, save, status, query, retry, purge');
  }
}
