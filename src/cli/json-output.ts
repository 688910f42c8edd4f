// The JSON every command prints with --json: the contract the appliance
// menus parse. One object per command, `ok` true exactly when the exit code
// is 0; a failure carries `error` and, for a test or an upload that failed,
// the same fields a success would (the steps still say which and why). The
// README's "JSON output" section is generated from this table and a test
// checks every command's real output, success and failure, against it.

import { withSection } from '../settings/reference.ts';

/** JSON types a field may take, joined by "|"; "object" and "array" have their members listed too; "any" is free-form. */
export type FieldType = string;

export interface FieldDoc {
  /** Dotted path; "[]" steps into an array's elements; a trailing "?" means the field may be absent. */
  path: string;
  type: FieldType;
  doc: string;
}

export interface CommandOutput {
  command: string;
  /** Fields on success (besides ok). */
  success: readonly FieldDoc[];
  /** Fields a failure carries besides ok and error (a failed test still shows its steps). */
  failure?: readonly FieldDoc[];
}

const f = (path: string, type: FieldType, doc: string): FieldDoc => ({ path, type, doc });
const under = (prefix: string, fields: readonly FieldDoc[]) => fields.map((x) => ({ ...x, path: `${prefix}.${x.path}` }));
/** The top-level fields of a group may be absent (their members are there when they are). */
const optional = (fields: readonly FieldDoc[]) => fields.map((x) => (x.path.includes('.') || x.path.includes('[') || x.path.endsWith('?')
  ? x : { ...x, path: `${x.path}?` }));

export const ERROR_FIELDS: readonly FieldDoc[] = [
  f('error', 'object', 'why the command failed'),
  f('error.code', 'string', 'stable error code (the exit code table)'),
  f('error.message', 'string', 'what failed, in words'),
  f('error.hint', 'string', 'what the operator can do, in plain words'),
  f('error.problems?', 'array', 'E_CONFIG_INVALID: every refused setting'),
  f('error.problems[]', 'object', 'a refused setting'),
  f('error.problems[].field', 'string', 'the setting (section.key), or "(document)"'),
  f('error.problems[].rule', 'string', 'the rule it breaks'),
  f('error.problems[].message', 'string', 'field and rule in one sentence, with what was given (secrets: only their length)'),
];

const STEPS: readonly FieldDoc[] = [
  f('passed', 'boolean', 'every step passed'),
  f('steps', 'array', 'each step, in order'),
  f('steps[]', 'object', 'a step'),
  f('steps[].target', 'string', '"log server", "status server" or "SMS"'),
  f('steps[].step', 'string', 'the step: settings, resolve, proxy, TCP connect, TLS handshake, ...'),
  f('steps[].ok', 'boolean', 'the step passed (or was not needed)'),
  f('steps[].skipped', 'boolean', 'not run: not needed here, or an earlier step of the same target failed'),
  f('steps[].ms', 'number', 'how long it took'),
  f('steps[].detail', 'string', 'what it found, or why it failed and what to do'),
  f('steps[].code', 'string|null', 'the failure\'s error code'),
];

const CERT: readonly FieldDoc[] = [
  f('subject', 'string', 'certificate subject (CN, O, OU)'),
  f('issuer', 'string', 'certificate issuer (CN, O, OU)'),
  f('validFrom', 'string', 'not valid before'),
  f('validTo', 'string', 'not valid after'),
  f('fingerprint', 'string', 'SHA-256 fingerprint, colon-separated hex: what a tlsFingerprints setting takes'),
];

const TMSP_TEST: readonly FieldDoc[] = [
  ...STEPS,
  f('hostKeyFingerprint', 'string|null', 'ssh: the log server\'s SSH host key (SHA256:...), shown whether or not it is accepted'),
  f('certificateFingerprints', 'object', 'SHA-256 fingerprints the TLS servers presented, trusted or not'),
  f('certificateFingerprints.log', 'string|null', 'ssl: the log server\'s'),
  f('certificateFingerprints.status', 'string|null', 'the status server\'s'),
  f('certificates', 'object', 'the certificates the TLS servers presented, trusted or not'),
  f('certificates.log', 'object|null', 'ssl: the log server\'s'),
  ...under('certificates.log', CERT),
  f('certificates.status', 'object|null', 'the status server\'s'),
  ...under('certificates.status', CERT),
];

const SMS_TEST: readonly FieldDoc[] = [
  ...STEPS,
  f('certificateFingerprint', 'string|null', 'SHA-256 fingerprint the SMS presented, trusted or not'),
  f('certificate', 'object|null', 'the certificate the SMS presented, trusted or not'),
  ...under('certificate', CERT),
];

const SAVED: readonly FieldDoc[] = [
  f('saved', 'boolean', 'the settings were written'),
  f('forced?', 'boolean', 'saved with --force although a step failed'),
  f('tested?', 'boolean', 'false: nothing to test (the feature is off), saved as given'),
  f('reloaded?', 'boolean', 'a running agent re-read the settings'),
];

const UPLOAD: readonly FieldDoc[] = [
  f('state', 'string', 'idle, uploading, retrying or stopped'),
  f('protocol', 'string', 'sftp or https'),
  f('lastAttemptAt', 'string|null', 'ISO time of the last attempt'),
  f('lastSuccessAt', 'string|null', 'ISO time of the last batch the server took'),
  f('lastError', 'string|null', 'the last failure, in words'),
  f('lastErrorCode', 'string|null', 'its error code'),
  f('consecutiveFailures', 'number', 'failures since the last success'),
  f('attempts', 'number', 'batches tried since the agent started'),
  f('nextAttemptAt', 'string|null', 'ISO time of the next retry'),
  f('uploaded', 'object', 'delivered since the agent started (across reloads)'),
  f('uploaded.batches', 'number', 'batches'),
  f('uploaded.records', 'number', 'records'),
  f('uploaded.bytes', 'number', 'compressed bytes'),
];

const STATUS_LINK: readonly FieldDoc[] = [
  f('state', 'string', 'connecting, connected, retrying or stopped'),
  f('protocolVersion', 'number|null', 'MQTT version spoken: 5, or 4 (3.1.1)'),
  f('connectedAt', 'string|null', 'ISO time the session began'),
  f('lastHeartbeatAt', 'string|null', 'ISO time of the last heartbeat'),
  f('heartbeats', 'number', 'heartbeats sent'),
  f('skipped', 'number', 'heartbeats not sent because earlier ones were not acknowledged'),
  f('attempts', 'number', 'connection attempts'),
  f('lastError', 'string|null', 'the last failure, in words'),
  f('lastErrorCode', 'string|null', 'its error code'),
];

const FAILED_ENTRY: readonly FieldDoc[] = [
  f('type', 'string', 'ipv4 or domain'),
  f('value', 'string', 'the address or domain'),
  f('op', 'string', 'add or delete'),
  f('error', 'string', 'the SMS\'s answer'),
  f('failedAt', 'number', 'when it was refused (ms since the epoch)'),
  f('attempts', 'number', 'attempts before it was set aside'),
];

const SMS_STATS: readonly FieldDoc[] = [
  f('enabled', 'boolean', 'Object Distribution is on'),
  f('objects', 'number', 'suspicious objects held'),
  f('byTypeAndRisk', 'object', 'objects by "type.risk" (ipv4.high, domain.medium, ...)'),
  f('byTypeAndRisk.*', 'number', 'how many'),
  f('onSms', 'number', 'entries this appliance put on the SMS'),
  f('pending', 'number', 'outbox rows waiting to be sent'),
  f('failed', 'number', 'entries the SMS refused, set aside'),
  f('lastFailure', 'object|null', 'the latest entry set aside'),
  ...under('lastFailure', FAILED_ENTRY),
  f('sent', 'object', 'delivered since the store began'),
  f('sent.adds', 'number', 'adds'),
  f('sent.deletes', 'number', 'deletes'),
  f('expired', 'number', 'objects expired'),
  f('evicted', 'number', 'objects evicted to make room (sms.maxObjects)'),
  f('purging', 'boolean', 'sms purge is taking back every entry'),
  f('diskBytes', 'number', 'objects.db and its WAL on disk (apart from the spool\'s budget; bounded by sms.maxObjects)'),
  f('recoveredFrom', 'string|null', 'where a damaged objects.db was moved at start, if it was'),
  f('distribution', 'object', 'the sender'),
  f('distribution.state', 'string', 'off, idle, sending, retrying or stopped'),
  f('distribution.requests', 'number', 'requests made'),
  f('distribution.refused', 'number', 'requests the SMS refused (4xx)'),
  f('distribution.lastSuccessAt', 'string|null', 'ISO time of the last delivery'),
  f('distribution.lastError', 'string|null', 'the last failure, in words'),
  f('distribution.lastErrorCode', 'string|null', 'its error code'),
  f('distribution.nextAttemptAt', 'string|null', 'ISO time of the next retry'),
];

const COUNTS = (what: string): FieldDoc[] => [
  f('chunks', 'number', `chunks ${what}`), f('records', 'number', `records ${what}`), f('bytes', 'number', `uncompressed bytes ${what}`),
];

const SPOOL: readonly FieldDoc[] = [
  f('chunks', 'number', 'sealed chunks stored'),
  f('records', 'number', 'records in them'),
  f('bytes', 'number', 'compressed bytes stored'),
  f('rawBytes', 'number', 'their uncompressed size'),
  f('diskBytes', 'number', 'database, WAL and segment files on disk'),
  f('budgetBytes', 'number', 'spool.budgetBytes'),
  f('firstSeq', 'number|null', 'first record sequence number stored'),
  f('lastSeq', 'number|null', 'last one'),
  f('oldestUnsentAgeS', 'number|null', 'age of the oldest record not yet uploaded'),
  f('open', 'object', 'the chunk being filled (in memory)'),
  f('open.records', 'number', 'records'),
  f('open.rawBytes', 'number', 'bytes'),
  f('pendingBytes', 'number', 'bytes waiting for compression'),
  f('commitErrors', 'number', 'failed commits'),
  f('lastError', 'string|null', 'the last commit failure'),
];

const SOURCE: readonly FieldDoc[] = [
  f('name', 'string', 'unix:<path>, udp:<addr>, tcp:<addr> or file:<path>'),
  f('kind', 'string', 'unix, udp, tcp or file'),
  f('state', 'string', 'starting, listening, following, waiting, failed or stopped'),
  f('records', 'number', 'records taken'),
  f('bytes', 'number', 'bytes taken'),
  f('truncated', 'number', 'messages cut to ingest.maxMessageBytes'),
  f('shed', 'number', 'messages refused at the spool\'s memory bound'),
  f('errors', 'number', 'errors'),
  f('lastError', 'string|null', 'the last one'),
];

const STATUS: readonly FieldDoc[] = [
  f('version', 'string', 'agent version'),
  f('pid', 'number', 'daemon process id'),
  f('uptimeS', 'number', 'seconds since start'),
  f('configFile', 'string', 'the configuration file it runs on'),
  f('health', 'object', 'overall'),
  f('health.state', 'string', 'ok or degraded'),
  f('health.problems', 'array', 'each problem, in words'),
  f('health.problems[]', 'string', 'a problem'),
  f('ingest', 'object', 'what came in'),
  f('ingest.records', 'number', 'records'),
  f('ingest.bytes', 'number', 'bytes'),
  f('ingest.truncated', 'number', 'messages truncated'),
  f('ingest.shed', 'number', 'messages shed'),
  f('ingest.sources', 'array', 'each source'),
  f('ingest.sources[]', 'object', 'a source'),
  ...under('ingest.sources[]', SOURCE),
  f('spool', 'object', 'the spool'),
  ...under('spool', SPOOL),
  f('dropped', 'object', 'dropped oldest to keep the budget'),
  ...under('dropped', COUNTS('dropped')),
  f('corrupt', 'object', 'skipped for a bad CRC'),
  ...under('corrupt', COUNTS('with a bad CRC')),
  f('lost', 'object', 'records that could not be stored, or were unreadable in a damaged database'),
  ...under('lost', COUNTS('lost')),
  f('memory', 'object', 'the daemon\'s memory'),
  f('memory.rss', 'number', 'resident set size'),
  f('memory.heapUsed', 'number', 'V8 heap used'),
  f('memory.heapTotal', 'number', 'V8 heap size'),
  f('memory.external', 'number', 'memory held outside the heap'),
  f('memory.arrayBuffers', 'number', 'of which buffers'),
  f('state', 'object', 'the state database'),
  f('state.recoveredFrom', 'string|null', 'where a damaged database was moved at start, if it was'),
  f('tmsp', 'object', 'the TMSP link'),
  f('tmsp.enabled', 'boolean', 'tmsp.enabled; the fields below only when true'),
  f('tmsp.applianceId?', 'string', 'the id in batch names and topics'),
  f('tmsp.upload?', 'object', 'uploads'),
  ...under('tmsp.upload', UPLOAD),
  f('tmsp.status?', 'object', 'the status server link'),
  ...under('tmsp.status', STATUS_LINK),
  f('sms', 'object|null', 'objects and SMS distribution (as sms status)'),
  ...under('sms', SMS_STATS),
];

const OBJECT: readonly FieldDoc[] = [
  f('type', 'string', 'ipv4 or domain'),
  f('value', 'string', 'normalised address or domain'),
  f('risk', 'string', 'high, medium or low (the worst seen)'),
  f('category', 'string', 'suspicious-object or cnc-callback'),
  f('source', 'string', 'where it came from (a log format, or cli)'),
  f('firstSeen', 'number', 'ms since the epoch'),
  f('lastSeen', 'number', 'ms since the epoch'),
  f('expiresAt', 'number', 'ms since the epoch'),
];

export const OUTPUTS: readonly CommandOutput[] = [
  { command: 'version', success: [f('version', 'string', 'agent version'), f('node', 'string', 'Node version it runs on')] },
  { command: 'status', success: [f('status', 'object', 'the daemon\'s report'), ...under('status', STATUS)] },
  { command: 'flush', success: [f('result', 'object', 'the spool after the flush'), ...under('result', SPOOL)] },
  {
    command: 'reload', success: [
      f('result', 'object', 'what the reload did'),
      f('result.reloaded', 'boolean', 'the new configuration is in effect'),
      f('result.restartRequired', 'array', 'settings that take effect only at the next start'),
      f('result.restartRequired[]', 'string', 'a setting'),
    ],
  },
  {
    command: 'upload-now',
    success: [f('upload', 'object', 'the uploader after the round'), ...under('upload', UPLOAD)],
    failure: [f('upload?', 'object', 'the uploader after the failed round (absent when the agent did not answer)'), ...under('upload', UPLOAD)],
  },
  { command: 'tmsp test-connection', success: TMSP_TEST, failure: TMSP_TEST },
  {
    command: 'tmsp save',
    success: [...SAVED, ...optional(TMSP_TEST),
      f('acceptedHostKey?', 'string|null', 'the SSH host key now accepted (tmsp.hostKeyFingerprint)')],
    failure: [f('saved?', 'boolean', 'false: nothing was written (these fields only when the test ran)'), ...optional(TMSP_TEST)],
  },
  { command: 'objects add', success: [f('object', 'object', 'the object as stored'), ...under('object', OBJECT)] },
  { command: 'objects remove', success: [f('removed', 'boolean', 'there was such an object')] },
  { command: 'objects expire', success: [f('expired', 'number', 'objects expired')] },
  { command: 'objects list', success: [f('objects', 'array', 'objects, by type and value'), f('objects[]', 'object', 'an object'), ...under('objects[]', OBJECT)] },
  {
    command: 'objects list --failed',
    success: [f('failed', 'array', 'entries the SMS refused, newest first'), f('failed[]', 'object', 'an entry'), ...under('failed[]', FAILED_ENTRY)],
  },
  { command: 'sms test-connection', success: SMS_TEST, failure: SMS_TEST },
  {
    command: 'sms save',
    success: [...SAVED, ...optional(SMS_TEST)],
    failure: [f('saved?', 'boolean', 'false: nothing was written (these fields only when the test ran)'), ...optional(SMS_TEST)],
  },
  { command: 'sms status', success: [f('sms', 'object', 'objects and distribution'), ...under('sms', SMS_STATS)] },
  {
    command: 'sms query',
    success: [f('value', 'string', 'what was looked up, normalised'), f('found', 'boolean', 'true'),
      f('entry', 'string', 'the entry with its tags, as the SMS answered')],
    failure: [f('value?', 'string', 'what was looked up'), f('found?', 'boolean', 'false: not on the SMS (E_NOT_FOUND, exit 9)')],
  },
  { command: 'sms retry', success: [f('retried', 'number', 'entries queued again')] },
  { command: 'sms purge', success: [f('entries', 'number', 'entries being deleted from the SMS')] },
  {
    command: 'spool verify',
    success: [f('clean', 'boolean', 'true'), f('integrity', 'string', 'SQLite integrity_check: ok'),
      f('chunks', 'number', 'chunks checked'), f('records', 'number', 'records in them'), f('bytes', 'number', 'stored bytes'),
      f('corrupt', 'number', 'chunks with a bad CRC: 0')],
    failure: [f('clean?', 'boolean', 'false'), f('integrity?', 'string', 'what SQLite found'),
      f('chunks?', 'number', 'chunks checked'), f('records?', 'number', 'records in them'), f('bytes?', 'number', 'stored bytes'),
      f('corrupt?', 'number', 'chunks with a bad CRC')],
  },
  {
    command: 'config show',
    success: [f('file', 'string', 'the configuration file'), f('config', 'any', 'every setting by section, secrets masked (the configuration reference)')],
  },
  { command: 'config get', success: [f('key', 'string', 'the setting'), f('value', 'string|number|boolean|array', 'its value (secrets masked)'), f('value[]?', 'string', 'a list item')] },
  {
    command: 'config set',
    success: [f('file', 'string', 'the configuration file'), f('changed', 'array', 'the settings given'), f('changed[]', 'string', 'a setting'),
      f('reloaded', 'boolean', 'a running agent re-read the file')],
  },
  { command: 'config validate', success: [f('file', 'string', 'the file checked'), f('valid', 'boolean', 'true')] },
  {
    command: 'config import',
    success: [f('file', 'string', 'the configuration file'), f('imported', 'string', 'the file imported'), f('reloaded', 'boolean', 'a running agent re-read it')],
  },
  {
    command: 'config export',
    success: [f('config?', 'any', 'the configuration document (without --output)'), f('file?', 'string', 'where it was written (--output)'),
      f('secrets', 'boolean', 'secrets are included (--include-secrets)')],
  },
];

export const JSON_BEGIN = '<!-- json-output:begin (generated: node build.mjs --docs) -->';
export const JSON_END = '<!-- json-output:end -->';

/** The README text with its JSON output section replaced by the current one. */
export function withJsonReference(readme: string): string {
  return withSection(readme, JSON_BEGIN, JSON_END, jsonReference());
}

/** The README section, generated. */
export function jsonReference(): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  const rows = (fields: readonly FieldDoc[]) => fields.map((x) => {
    const optional = x.path.endsWith('?');
    return `| \`${x.path.replace(/\?$/, '')}\`${optional ? ' (may be absent)' : ''} | ${cell(x.type)} | ${cell(x.doc)} |`;
  });
  const out = ['Every failure: `{"ok":false,"error":{...}}`, with these fields (and, where a command says so, the fields listed for its failure):',
    '', '| field | type | meaning |', '|---|---|---|', ...rows(ERROR_FIELDS)];
  for (const c of OUTPUTS) {
    out.push('', `**\`${c.command}\`**, success \`{"ok":true, ...}\`:`, '', '| field | type | meaning |', '|---|---|---|', ...rows(c.success));
    if (c.failure) out.push('', `**\`${c.command}\`**, failure, besides \`error\`:`, '', '| field | type | meaning |', '|---|---|---|', ...rows(c.failure));
  }
  return `${out.join('\n')}\n`;
}
