// The mail server the portal's notifications and reports go to: Debian's
// aiosmtpd on loopback, with its Mailbox handler (one file per message).
// The caller stops it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpdir } from '../helpers/tmp.ts';
import { freePort, waitPort } from './peers.ts';

/** Debian's python3, where python3-aiosmtpd (in .ci/debian-packages) installs: a python3 earlier on PATH (pyenv) lacks it. */
const PYTHON = '/usr/bin/python3';

/** aiosmtpd's SMTP with STARTTLS required and AUTH (PLAIN, LOGIN) required after it, one login accepted. */
const AUTH_SERVER = `
import asyncio, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from aiosmtpd.handlers import Mailbox
port, maildir, cert, key, user, pw = sys.argv[1:]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
def check(server, session, envelope, mechanism, data):
    return AuthResult(success=isinstance(data, LoginPassword) and data.login == user.encode() and data.password == pw.encode(), handled=False)
async def main():
    handler = Mailbox(maildir)
    srv = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, tls_context=ctx, require_starttls=True, authenticator=check, auth_required=True), '127.0.0.1', int(port))
    await srv.serve_forever()
asyncio.run(main())
`;

export interface Mail {
  headers: Map<string, string>;
  body: string;
}

export class SmtpPeer {
  readonly port: number;
  readonly maildir: string;
  private proc: ChildProcess | undefined;
  log = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.maildir = path.join(dir, 'maildir');
  }

  /**
   * aiosmtpd with its Mailbox handler; with a certificate it offers STARTTLS and refuses mail without it.
   * Its command line has no AUTH, so a login is the same server started from AUTH_SERVER.
   */
  static async start(tlsFiles?: { cert: string; key: string }, login?: { user: string; pass: string }): Promise<SmtpPeer> {
    if (spawnSync(PYTHON, ['-c', 'import aiosmtpd']).status !== 0) throw new Error('aiosmtpd is missing: apt-get install -y python3-aiosmtpd');
    const p = new SmtpPeer(await freePort(), tmpdir('tmsp-smtp-'));
    const args = login && tlsFiles
      ? ['-c', AUTH_SERVER, String(p.port), p.maildir, tlsFiles.cert, tlsFiles.key, login.user, login.pass]
      : ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${p.port}`, ...(tlsFiles ? ['--tlscert', tlsFiles.cert, '--tlskey', tlsFiles.key] : []),
        '-c', 'aiosmtpd.handlers.Mailbox', p.maildir];
    const proc = (p.proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    proc.stdout!.on('data', (d) => (p.log += d));
    proc.stderr!.on('data', (d) => (p.log += d));
    await waitPort(p.port, 15_000);
    return p;
  }

  /** The raw messages that arrived, oldest first. */
  raw(): Buffer[] {
    const dir = path.join(this.maildir, 'new');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
  }

  /** What arrived: headers unfolded, the body decoded from quoted-printable. */
  messages(): Mail[] {
    const dir = path.join(this.maildir, 'new');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).sort().map((f) => {
      const raw = fs.readFileSync(path.join(dir, f), 'utf8').replace(/\r\n/g, '\n');
      const cut = raw.indexOf('\n\n');
      const headers = new Map<string, string>();
      for (const line of raw.slice(0, cut).replace(/\n[ \t]+/g, ' ').split('\n')) {
        const i = line.indexOf(':');
        headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
      }
      let body = raw.slice(cut + 2);
      if (/quoted-printable/i.test(headers.get('content-transfer-encoding') ?? '')) {
        body = Buffer.from(body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
          .toString('utf8');
      }
      return { headers, body };
    });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
}
