// npm start: the whole product on one machine, on embedded defaults, no root.
// The portal (tmsp-portal --dev) and one agent (tmsp-agent --dev) wired to
// it: an appliance account and an admin login made, the agent pointed at the
// portal's SFTP log server (every minute) and status server (a heartbeat
// every 10 s), and a steady, realistic stream of detection lines fed to it.
// Both programs are started as a user would start them; their logs go to
// .dev/portal.log and .dev/agent.log. Ctrl-C stops both.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dev = path.join(root, '.dev');
const PORTAL = path.join(root, 'dist', 'tmsp-portal.cjs');
const AGENT = path.join(root, 'dist', 'tmsp-agent.cjs');
const APPLIANCE = 'demo-tda-01';
const SYSLOG_PORT = 5514;

function run(program: string, args: string[], stdin?: string): { code: number; out: string; err: string; json: any } {
  const r = spawnSync(process.execPath, [program, '--dev', ...args], { cwd: root, input: stdin ?? '', encoding: 'utf8', timeout: 120_000 });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, json };
}

/** The logins this demo made, kept (0600) so that a second npm start shows the same ones. */
function logins(): { appliance: { user: string; password: string }; admin: { user: string; password: string } } {
  const file = path.join(dev, 'portal', 'demo-logins.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    const made = {
      appliance: { user: 'demo-appliance', password: crypto.randomBytes(12).toString('base64url') },
      admin: { user: 'admin', password: crypto.randomBytes(12).toString('base64url') },
    };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(made), { mode: 0o600 });
    return made;
  }
}

function ensureAccount(user: string, password: string, role: string): void {
  const add = run(PORTAL, ['--json', 'account', 'add', user, '--role', role, '--password-stdin'], `${password}\n`);
  if (add.code === 0) return;
  const passwd = run(PORTAL, ['--json', 'account', 'passwd', user, '--password-stdin'], `${password}\n`);
  if (passwd.code !== 0) throw new Error(`cannot set up account ${user}: ${add.out}${add.err}${passwd.out}${passwd.err}`);
}

function start(program: string, log: string): ChildProcess {
  const fd = fs.openSync(log, 'a', 0o600);
  return spawn(process.execPath, [program, '--dev', 'run'], { cwd: root, stdio: ['ignore', fd, fd] });
}

async function until<T>(fn: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const THREATS = [
  ['1539', 'Windows Remote Management Service Detected - HTTP', 6], ['2028', 'Possible Mirai botnet scanning', 8],
  ['4563', 'CVE-2021-44228 Log4Shell exploit attempt - HTTP', 8], ['200127', 'Notable Characteristics of the analyzed sample', 6],
  ['100132', 'URL_DETECTION', 6], ['1811', 'DNS response - possible C&C domain', 8], ['3031', 'SMB brute force login attempts', 4],
] as const;
const HOSTS = ['bad-cdn.example', 'update-check.example.net', 'c2.evil.example', '203.0.113.7', '198.51.100.23'];

/** One line an appliance might send: mostly CEF detections, some LEEF, some plain syslog. */
function line(i: number): string {
  // RFC 3164's "Mmm dd hh:mm:ss" and Deep Discovery's "Mmm dd yyyy hh:mm:ss GMT+00:00".
  const [, dd, mon, yyyy, time] = /^\w+, (\d+) (\w+) (\d+) (\S+) GMT$/.exec(new Date().toUTCString())!;
  const ts = `${mon} ${String(Number(dd)).padStart(2, ' ')} ${time}`;
  const rt = `${mon} ${dd} ${yyyy} ${time} GMT+00:00`;
  const [id, name, sev] = THREATS[i % THREATS.length]!;
  const src = `10.1.${(i * 7) % 40}.${(i * 13) % 250 + 2}`;
  const dst = HOSTS[i % HOSTS.length]!;
  if (i % 5 === 4) return `<13>${ts} ddi-demo sshd[812]: Accepted password for operator from ${src} port ${40000 + (i % 2000)}`;
  if (i % 5 === 3) {
    return `<134>LEEF:1.0|Trend Micro|Deep Discovery Inspector|6.0.2026|SECURITY_RISK_DETECTION|devTime=${rt}\tsev=${sev}\tproto=HTTP\t` +
      `dhost=${dst}\tdst=198.51.100.23\tdstPort=80\tsrc=${src}\tsrcPort=${50000 + i % 1000}\tmalType=MALWARE\tmsg=${name}\tact=not blocked\t` +
      `cccaDetection=${i % 2}\tcccaDestination=${dst}\tcccaRiskLevel=2`;
  }
  return `<134>${ts} ddi-demo CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|${id}|${name}|${sev}|rt=${rt} dvchost=ddi-demo ` +
    `src=${src} spt=${50000 + i % 1000} dhost=${dst} dpt=${i % 3 ? 443 : 80} app=${i % 3 ? 'HTTPS' : 'HTTP'} act=not blocked cn1=${i % 7 === 0 ? 1 : 0}`;
}

async function main(): Promise<void> {
  fs.mkdirSync(dev, { recursive: true });
  const l = logins();
  ensureAccount(l.appliance.user, l.appliance.password, 'appliance');
  ensureAccount(l.admin.user, l.admin.password, 'admin');

  const portal = start(PORTAL, path.join(dev, 'portal.log'));
  const children: ChildProcess[] = [portal];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const facts = await until(() => {
    if (portal.exitCode !== null) throw new Error(`the portal stopped (exit ${portal.exitCode}): see .dev/portal.log`);
    const s = run(PORTAL, ['--json', 'status']);
    return s.code === 0 ? s.json.status : undefined;
  }, 30_000, 'the portal');

  // The agent's settings, as `tmsp save` would keep them (its Test Connection runs below, as a user would run it).
  run(AGENT, ['config', 'show']);
  const configFile = path.join(dev, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.appliance = { ...config.appliance, id: APPLIANCE, hostname: 'ddi-demo.example.com', model: 'DDI-4200', serial: 'DEMO-0001' };
  config.tmsp = {
    ...config.tmsp, enabled: true, protocol: 'ssh', logServer: `127.0.0.1:${facts.listeners.sftp}`, logBasePath: 'upload',
    statusServer: `127.0.0.1:${facts.listeners.mqtt}`, username: l.appliance.user, password: l.appliance.password,
    registrationEmail: 'admin@example.com', tlsCaFile: facts.tlsCertFile, hostKeyFingerprint: facts.sshHostKey,
    uploadIntervalMinutes: 1, heartbeatSeconds: 10,
  };
  fs.writeFileSync(`${configFile}.tmp`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${configFile}.tmp`, configFile);
  const test = run(AGENT, ['--json', 'tmsp', 'test-connection']);
  if (!test.json?.ok) throw new Error(`the agent's Test Connection to the portal failed:\n${test.out}${test.err}`);

  const agent = start(AGENT, path.join(dev, 'agent.log'));
  children.push(agent);
  await until(() => (run(AGENT, ['--json', 'status']).code === 0 ? true : undefined), 30_000, 'the agent');

  const sock = dgram.createSocket('udp4');
  let n = 0;
  const feed = setInterval(() => {
    for (let k = 0; k < 3; k++) sock.send(line(n++), SYSLOG_PORT, '127.0.0.1');
  }, 2000);

  process.stdout.write(`
The TMSP portal and one appliance agent are running, on this machine only.

  portal        ${facts.url}
  login         ${l.admin.user} / ${l.admin.password}
                (a self-signed certificate: SHA-256 ${facts.tlsFingerprint})
  appliance     ${APPLIANCE}, agent pid ${agent.pid}: logs to the portal's SFTP server every minute,
                a heartbeat every 10 s, as account ${l.appliance.user}
  feed          about 1.5 detection lines a second to the agent (syslog UDP 127.0.0.1:${SYSLOG_PORT})
  logs          .dev/portal.log, .dev/agent.log

Try, in another terminal:
  logger -n 127.0.0.1 -P ${SYSLOG_PORT} -d 'CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|My own test detection|8|src=10.0.0.9 dst=203.0.113.9 dpt=443'
  npx tmsp-agent --dev status           # the agent: spool, uploads, heartbeats
  npx tmsp-agent --dev upload-now       # upload now rather than at the next minute
  npx tmsp-portal --dev appliances      # the portal: every appliance and its state
  npx tmsp-portal --dev appliance show ${APPLIANCE}
  kill -9 ${String(agent.pid).padEnd(28)}# offline at once (its last will), silent within a minute: watch the fleet page

Ctrl-C stops both.
`);
  await new Promise<void>((resolve) => portal.once('exit', () => resolve()));
  clearInterval(feed);
  sock.close();
  stopAll();
}

main().catch((err: Error) => {
  process.stderr.write(`npm start: ${err.message}\n`);
  process.exit(1);
});
