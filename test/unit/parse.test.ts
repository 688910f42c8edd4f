// The appliance's log shapes (reference/appliance-logs.md) parse into the
// fields the SMS distributor and the portal rely on.

import { describe, expect, it } from 'vitest';
import { classify, parse } from '../../src/parse/index.ts';

const DDI_CEF = '<158>CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|1539|Windows Remote Management Service Detected - HTTP|6|rt=Mar 09 2015 17:05:21 GMT+08:00 dvchost=ddi-01 src=172.16.1.197 spt=51515 dst=216.52.115.2 dpt=80 app=HTTP act=not blocked cn3=2';
const DDI_CEF_LABELS = 'CEF:0|Trend Micro|Deep Discovery Inspector|3.8.1181|200127|Notable Characteristics of the analyzed sample|6|rt=Mar 11 2015 05:00:26 GMT-04:00 dvc=10.201.156.143 dvchost=ddi38-143 fname=DTAS_WIN32_07 fileHash=672B1A8ADB412C272CCA21A214732C447B650349 fileType=WIN32 EXE cs1Label=PolicyCategory cs1=Deception, social engineering msg=The file has no company information.';
const DDEI_CEF = 'Jan 18 10:49:41 ddei5 CEF:0|Trend Micro|Deep Discovery Email Inspector|5.1.0.1288|100132|URL_DETECTION|6|rt=Jan 18 2023 10:49:39 GMT+00:00 dvchost=ddei5 request=http://bad.example/ cs1Label=threats cs1=TSPY_KEYLOG.GC dvc=10.64.1.140';
const DDI_LEEF = 'LEEF:1.0|Trend Micro|Deep Discovery Inspector|3.8.1175|SECURITY_RISK_DETECTION|devTime=Mar 09 2015 11:58:24 GMT+08:00\tsev=6\tproto=HTTP\tdhost=www.freewebs.com\tdst=216.52.115.2\tdstPort=80\tsrc=172.16.1.197\tsrcPort=12121\tmalType=MALWARE\truleId=20\tmsg=Malware URL requested - Type 1\tact=not blocked\tthreatType=1\tcccaDestinationFormat=URL\tcccaRiskLevel=2\tcccaDetection=1\tpAttackPhase=Command and Control Communication';

describe('CEF', () => {
  it('parses a DDI threat log behind a bare PRI', () => {
    const p = parse(DDI_CEF);
    expect(p.format).toBe('cef');
    expect(p.syslog?.pri).toBe(158);
    expect(p.cef).toMatchObject({
      version: '0', vendor: 'Trend Micro', product: 'Deep Discovery Inspector', deviceVersion: '6.0.2026',
      eventId: '1539', name: 'Windows Remote Management Service Detected - HTTP', severity: '6',
    });
    expect({ ...p.cef!.ext }).toEqual({
      rt: 'Mar 09 2015 17:05:21 GMT+08:00', dvchost: 'ddi-01', src: '172.16.1.197', spt: '51515',
      dst: '216.52.115.2', dpt: '80', app: 'HTTP', act: 'not blocked', cn3: '2',
    });
  });

  it('lets values run to the next key, and names custom fields by their labels', () => {
    const p = parse(DDI_CEF_LABELS);
    expect(p.format).toBe('cef');
    expect(p.syslog).toBeUndefined();
    expect(p.cef!.ext.fileType).toBe('WIN32 EXE');
    expect(p.cef!.ext.cs1).toBe('Deception, social engineering');
    expect(p.cef!.ext.PolicyCategory).toBe('Deception, social engineering');
    expect(p.cef!.ext.msg).toBe('The file has no company information.');
  });

  it('parses a DDEI URL detection behind an RFC 3164 header', () => {
    const p = parse(DDEI_CEF);
    expect(p.format).toBe('cef');
    expect(p.syslog).toMatchObject({ kind: 'rfc3164', timestamp: 'Jan 18 10:49:41', hostname: 'ddei5' });
    expect(p.cef!.eventId).toBe('100132');
    expect(p.cef!.ext.request).toBe('http://bad.example/');
    expect(p.cef!.ext.threats).toBe('TSPY_KEYLOG.GC');
  });

  it('unescapes header pipes and extension escapes', () => {
    const p = parse(String.raw`CEF:0|Ven\|dor|Prod\\uct|1|42|a\|b|8|msg=x\=y\\z line1\nline2 cs2=a=b`);
    expect(p.cef!.vendor).toBe('Ven|dor');
    expect(p.cef!.product).toBe('Prod\\uct');
    expect(p.cef!.name).toBe('a|b');
    expect(p.cef!.ext.msg).toBe('x=y\\z line1\nline2');
    expect(p.cef!.ext.cs2).toBe('a=b');
  });

  it('is not CEF with fewer than seven header fields', () => {
    expect(parse('CEF:0|Trend Micro|DDI|1|2|name').format).toBe('raw');
    expect(parse('CEF:x|a|b|c|d|e|f|g').format).toBe('raw');
  });

  it('keeps keys such as __proto__ as plain data', () => {
    const p = parse('CEF:0|a|b|c|d|e|5|__proto__=x constructor=y');
    expect(p.cef!.ext.__proto__).toBe('x');
    expect(p.cef!.ext.constructor).toBe('y');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('LEEF', () => {
  it('parses a DDI LEEF 1.0 event with tab-separated attributes', () => {
    const p = parse(DDI_LEEF);
    expect(p.format).toBe('leef');
    expect(p.leef).toMatchObject({ version: '1.0', vendor: 'Trend Micro', product: 'Deep Discovery Inspector', eventId: 'SECURITY_RISK_DETECTION' });
    expect(p.leef!.attrs).toMatchObject({
      sev: '6', dhost: 'www.freewebs.com', dst: '216.52.115.2', cccaRiskLevel: '2', cccaDestinationFormat: 'URL',
      msg: 'Malware URL requested - Type 1', pAttackPhase: 'Command and Control Communication',
    });
  });

  it('accepts the "#011" a relay writes for a tab, and LEEF 2.0 delimiters', () => {
    expect(parse('<14>Mar  9 11:58:24 ddi LEEF:1.0|TM|DDI|3.8|X|sev=6#011dst=1.2.3.4').leef!.attrs).toEqual({ sev: '6', dst: '1.2.3.4' });
    expect(parse('LEEF:2.0|TM|DDI|3.8|X|^|sev=8^dst=5.6.7.8').leef!.attrs).toEqual({ sev: '8', dst: '5.6.7.8' });
    expect(parse('LEEF:2.0|TM|DDI|3.8|X|x5E|sev=8^dst=5.6.7.8').leef!.attrs).toEqual({ sev: '8', dst: '5.6.7.8' });
  });
});

describe('syslog headers', () => {
  it('parses RFC 5424 with structured data and a BOM', () => {
    const p = parse('<165>1 2026-11-22T06:00:00.000Z ddi01 tmsp 4321 ID47 [ex@32473 iut="3" note="a \\"q\\" ]"][b@1 x="y"] \uFEFFhello');
    expect(p.format).toBe('rfc5424');
    expect(p.syslog).toMatchObject({
      pri: 165, version: 1, timestamp: '2026-11-22T06:00:00.000Z', hostname: 'ddi01', app: 'tmsp', procid: '4321',
      msgid: 'ID47', structuredData: '[ex@32473 iut="3" note="a \\"q\\" ]"][b@1 x="y"]',
    });
    expect(p.message).toBe('hello');
  });

  it('parses RFC 5424 nil fields and CEF inside it', () => {
    const p = parse('<14>1 - - - - - - CEF:0|a|b|c|d|e|5|src=1.1.1.1');
    expect(p.format).toBe('cef');
    expect(p.syslog).toMatchObject({ kind: 'rfc5424', timestamp: undefined, hostname: undefined });
  });

  it('parses RFC 3164 with and without host, as syslog(3) sends it', () => {
    expect(parse('<34>Oct 11 22:14:15 mymachine su: \'su root\' failed').syslog).toMatchObject({
      kind: 'rfc3164', pri: 34, hostname: 'mymachine', app: 'su',
    });
    const local = parse('<13>Nov 22 07:00:00 tmspd[123]: started');
    expect(local.syslog).toMatchObject({ hostname: undefined, app: 'tmspd', procid: '123' });
    expect(local.message).toBe('started');
    expect(parse('<13>plain message').format).toBe('rfc3164');
  });

  it('keeps anything else as raw', () => {
    for (const l of ['', 'hello', '<>x', '<999>x', '<13', 'Foo 12 10:00:00 x', '\u0000\u0001']) expect(parse(l).format).toBe('raw');
  });

  it('classify() agrees with parse()', () => {
    for (const l of [DDI_CEF, DDI_CEF_LABELS, DDEI_CEF, DDI_LEEF, '<13>x', 'raw', '<14>1 - - - - - - m']) {
      expect(classify(l)).toBe(parse(l).format);
    }
  });
});

describe('the list of formats', () => {
  it('is the one source of the record formats, in classification order', async () => {
    const { EVENT_FORMATS, SYSLOG_FORMATS, FORMATS } = await import('../../src/parse/formats.ts');
    const { FORMATS: RECORD_FORMATS } = await import('../../src/protocol/record.ts');
    expect([...FORMATS]).toEqual([...Object.keys(EVENT_FORMATS), ...SYSLOG_FORMATS.map((f) => f.name), 'raw']);
    expect(RECORD_FORMATS).toBe(FORMATS);
  });

  it('completes an event from the classification, without parsing its header again', async () => {
    const { classifyLine, parse } = await import('../../src/parse/index.ts');
    const line = '<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|DDI|6.0|1002|C&C|8|dst=198.51.100.7 cn1=1';
    const c = classifyLine(line);
    expect(c).toMatchObject({ format: 'cef', event: { name: 'cef' } });
    expect(parse(c)).toEqual(parse(line));
    expect(parse(c).cef!.ext).toMatchObject({ dst: '198.51.100.7', cn1: '1' });
  });
});
