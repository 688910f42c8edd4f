// The portal's SSH log server, as the appliances and an operator meet it:
// OpenSSH's own `sftp` logs in with a password and works in its directory,
// nothing it names leaves that directory, the server holds against wrong
// passwords and greedy clients, and the agent itself tests the connection
// (seeing the fingerprint the portal made) and uploads batches that land.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Landed } from '../../src/portal/receive/landed.ts';
import { loadOrCreateHostKey } from '../../src/portal/receive/sftp/host-key.ts';
import { SftpReceiver, type SftpReceiverOptions } from '../../src/portal/receive/sftp/server.ts';
import { parseBatchFileName } from '../../src/protocol/batch.ts';
import { decodeRecord } from '../../src/protocol/record.ts';
import { cliAsync, startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import { APPLIANCE, idsOf, line, TIMEOUT_SECONDS } from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { PASS, peerRoot, pki, startMosquitto, USER, type Peer } from '../peers/peers.ts';

const STATUS = ssh2.utils.sftp.STATUS_CODE;

interface Portal {
  rx: SftpReceiver;
  /** Everything of this portal lives below here: the host key, incoming/, and the test's local files. */
  dir: string;
  incoming: string;
  /** The account directory of USER. */
  home: string;
  fingerprint: string;
  landed: Landed[];
  logs: string[];
}

const running: SftpReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function portal(o: Partial<SftpReceiverOptions> = {}): Promise<Portal> {
  const dir = tmpdir('tmsp-portal-sftp-');
  const incoming = path.join(dir, 'incoming');
  const key = loadOrCreateHostKey(path.join(dir, 'ssh_host_ed25519_key'));
  const landed: Landed[] = [];
  const logs: string[] = [];
  const rx = new SftpReceiver({
    host: '127.0.0.1', port: 0, hostKey: key.key, incoming,
    logins: { verify: async (user, password) => user === USER && password === PASS },
    onLanded: (l) => landed.push(l),
    log: { info: (x, msg) => logs.push(JSON.stringify({ msg, ...x })), warn: (x, msg) => logs.push(JSON.stringify({ msg, ...x })) },
    ...o,
  });
  await rx.start();
  running.push(rx);
  return { rx, dir, incoming, home: path.join(incoming, USER), fingerprint: key.fingerprint, landed, logs };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** OpenSSH's sftp in batch mode, the password typed by sshpass. Spawned, not run synchronously: the server answers from this process. */
function sftpBatch(p: Portal, commands: string[], o: { password?: string } = {}): Promise<Run> {
  const batch = path.join(p.dir, `batch-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(batch, `${commands.join('\n')}\n`);
  const child = spawn('sshpass', ['-p', o.password ?? PASS, 'sftp',
    '-oStrictHostKeyChecking=no', '-oUserKnownHostsFile=/dev/null',
    // -b turns on BatchMode, which forbids password prompts; the first value given wins, so this one goes first.
    '-oBatchMode=no', '-oNumberOfPasswordPrompts=1', '-vv',
    '-P', String(p.rx.port), '-b', batch, `${USER}@127.0.0.1`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(kill);
    resolve({ code, stdout, stderr });
  }));
}

/** Every file and directory below `dir`, relative to it. */
function walk(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() && !e.isSymbolicLink() ? [r, ...walk(dir, r)] : [r];
  });
}

interface Client {
  conn: ssh2.Client;
  sftp: ssh2.SFTPWrapper;
}

function connect(p: Portal, o: Partial<ssh2.ConnectConfig> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.once('error', reject);
    conn.once('ready', () => conn.sftp((err, sftp) => (err ? reject(err) : resolve({ conn, sftp }))));
    conn.connect({ host: '127.0.0.1', port: p.rx.port, username: USER, password: PASS, readyTimeout: 10_000, ...o });
  });
}

/** The SFTP status a call ends with (0 = OK), and its value. */
function call<T = unknown>(fn: (cb: (err: (Error & { code?: number }) | null | undefined, v?: T) => void) => void): Promise<{ code: number; v?: T }> {
  return new Promise((resolve) => fn((err, v) => resolve(err ? { code: err.code ?? -1 } : { code: 0, v })));
}

async function writeFile(sftp: ssh2.SFTPWrapper, name: string, data: Buffer | string): Promise<number> {
  const open = await call<Buffer>((cb) => sftp.open(name, 'w', cb));
  if (open.code) return open.code;
  const buf = Buffer.from(data);
  const w = await call((cb) => sftp.write(open.v!, buf, 0, buf.length, 0, cb));
  const c = await call((cb) => sftp.close(open.v!, cb));
  return w.code || c.code;
}

describe('the portal\'s SSH log server, with OpenSSH\'s sftp', () => {
  it('logs in with a password, makes a directory, puts, lists, renames, gets and removes; files land', async () => {
    const p = await portal();
    const local = path.join(p.dir, 'report.txt');
    const content = 'daily report\n'.repeat(5000); // 65 KB: more than one write
    fs.writeFileSync(local, content);
    const r = await sftpBatch(p, [
      'mkdir upload', 'cd upload', `put ${local} report.txt`, `put ${local} other.txt`, 'ls -l',
      'rename report.txt final.txt', `get final.txt ${p.dir}/copy.txt`, 'rm other.txt', 'pwd',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The server offers password only, and names the extensions the client then uses for rename.
    expect(r.stderr).toContain('Authentications that can continue: password');
    expect(r.stderr).toContain('Server supports extension "posix-rename@openssh.com" revision 1');
    expect(r.stderr).toContain('Server supports extension "fsync@openssh.com" revision 1');
    expect(r.stderr).toContain('SSH2_FXP_EXTENDED(posix-rename@openssh.com) "/upload/report.txt" to "/upload/final.txt"');
    // ls -l shows the server's longname lines as they are.
    expect(r.stdout).toMatch(new RegExp(`^-rw------- +1 ${USER} +${USER} +${content.length} \\w{3} [ \\d]\\d [\\d:]{5} report\\.txt$`, 'm'));
    expect(r.stdout).toContain('Remote working directory: /upload');

    expect(walk(p.home)).toEqual(['upload', 'upload/final.txt']);
    expect(fs.readFileSync(path.join(p.home, 'upload', 'final.txt'), 'utf8')).toBe(content);
    expect(fs.readFileSync(path.join(p.dir, 'copy.txt'), 'utf8')).toBe(content);
    expect(fs.statSync(p.home).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(p.home, 'upload', 'final.txt')).mode & 0o777).toBe(0o600);

    // Each put is complete at its close under its own name; the rename lands the final one.
    expect(p.landed).toEqual(['upload/report.txt', 'upload/other.txt', 'upload/final.txt'].map((relPath) => ({
      account: USER, via: 'sftp', relPath, file: path.join(p.home, ...relPath.split('/')),
    })));
    expect(p.rx.counters()).toMatchObject({ sessions: 1, refusedLogins: 0, filesLanded: 3, bytesWritten: 2 * content.length, deniedPaths: 0 });
    expect(p.logs.join('\n')).not.toContain(PASS);
    await until(() => p.rx.counters().activeSessions === 0, 5000, 'the session to end');
  });

  it('refuses a wrong password, again and again, and still lets the right one in', async () => {
    const p = await portal({ failureDelayMs: 50 });
    const wrong = 'not-the-password';
    const r = await sftpBatch(p, ['pwd'], { password: wrong });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Permission denied');
    // A burst of wrong logins at once, and a key instead of a password: each refused, the server unmoved.
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    const attempts = await Promise.all([
      ...Array.from({ length: 8 }, () => connect(p, { password: wrong }).then(() => 'in', (e: Error & { level?: string }) => e.level)),
      connect(p, { password: undefined, privateKey: key }).then(() => 'in', (e: Error & { level?: string }) => e.level),
    ]);
    expect(attempts).toEqual(Array(9).fill('client-authentication'));
    expect(p.rx.counters().refusedLogins).toBe(9);
    const ok = await connect(p);
    const realpath = await call<string>((cb) => ok.sftp.realpath('.', cb));
    expect(realpath).toEqual({ code: 0, v: '/' });
    ok.conn.end();
    expect(p.rx.counters().sessions).toBe(1);
    const logs = p.logs.join('\n');
    expect(logs).toContain('sftp login refused');
    expect(logs).not.toContain(wrong);
    expect(logs).not.toContain(PASS);
  });

  it('keeps every path inside the account: ../ escapes are refused and cd .. at the top stays there', async () => {
    const p = await portal();
    const local = path.join(p.dir, 'x.txt');
    fs.writeFileSync(local, 'x\n');
    const before = walk(p.dir).filter((f) => !f.startsWith('batch-'));
    const r = await sftpBatch(p, [
      `-put ${local} ../../escape`, `-put ${local} /../../../escape2`, '-mkdir ../outside', '-rename x.txt ../moved',
      `-get ../../ssh_host_ed25519_key ${p.dir}/stolen`, 'cd ..', 'cd ../..', 'pwd', 'ls',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('dest open "/../../escape": Permission denied');
    expect(r.stderr).toContain('Permission denied');
    expect(r.stdout).toContain('Remote working directory: /\n');
    // Nothing appeared anywhere but the account's (empty) directory.
    const after = walk(p.dir).filter((f) => !f.startsWith('batch-'));
    expect(after.sort()).toEqual([...before, 'incoming', 'incoming/tmsp-test'].sort());
    expect(walk(p.home)).toEqual([]);
    expect(p.rx.counters().deniedPaths).toBeGreaterThanOrEqual(5);
    expect(p.landed).toEqual([]);
  });

  it('never follows a symbolic link out of the account, whoever made it', async () => {
    const p = await portal();
    const c = await connect(p); // makes the account directory
    const secret = path.join(p.dir, 'secret');
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(secret, 'secret.txt'), 'secret\n');
    fs.symlinkSync(secret, path.join(p.home, 'dirlink'));
    fs.symlinkSync(path.join(secret, 'secret.txt'), path.join(p.home, 'filelink'));
    const { sftp } = c;
    const denied = STATUS.PERMISSION_DENIED;
    expect((await call((cb) => sftp.open('dirlink/secret.txt', 'r', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.open('/dirlink/new.txt', 'w', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.opendir('dirlink', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.stat('dirlink/secret.txt', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.mkdir('dirlink/sub', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.open('filelink', 'r', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.open('filelink', 'w', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.open('filelink', 'a', cb))).code).toBe(denied);
    expect((await call((cb) => sftp.symlink('/etc/passwd', 'mine', cb))).code).toBe(STATUS.OP_UNSUPPORTED);
    // Shown as the links they are, never as what they point at.
    const st = await call<ssh2.Stats>((cb) => sftp.stat('filelink', cb));
    expect(st.v!.isSymbolicLink()).toBe(true);
    // Renaming a file into the linked directory is refused too.
    expect(await writeFile(sftp, 'mine.txt', 'mine\n')).toBe(0);
    expect((await call((cb) => sftp.ext_openssh_rename('mine.txt', 'dirlink/mine.txt', cb))).code).toBe(denied);
    c.conn.end();
    expect(fs.readdirSync(secret)).toEqual(['secret.txt']);
    expect(fs.readFileSync(path.join(secret, 'secret.txt'), 'utf8')).toBe('secret\n');
    expect(p.landed.map((l) => l.relPath)).toEqual(['mine.txt']);
  });

  it('serves the agent sink\'s way of writing: .part name, fsync, fstat, posix-rename over an older copy', async () => {
    const p = await portal();
    const { conn, sftp } = await connect(p);
    const offered = (sftp as unknown as { _extensions: Record<string, string> })._extensions;
    expect(offered).toMatchObject({ 'posix-rename@openssh.com': '1', 'fsync@openssh.com': '1' });
    expect((await call((cb) => sftp.mkdir('upload', cb))).code).toBe(0);
    expect((await call((cb) => sftp.mkdir('upload', cb))).code).toBe(STATUS.FAILURE);
    for (const round of ['first', 'second']) {
      const h = (await call<Buffer>((cb) => sftp.open('upload/.1-2.ndjson.gz.part', 'w', cb))).v!;
      const data = Buffer.from(`${round} copy\n`.repeat(10_000));
      // In pieces, several in flight at once, as the sink writes.
      const writes = [];
      for (let off = 0; off < data.length; off += 32 * 1024) {
        const piece = data.subarray(off, off + 32 * 1024);
        writes.push(call((cb) => sftp.write(h, piece, 0, piece.length, off, cb)));
      }
      expect((await Promise.all(writes)).every((w) => w.code === 0)).toBe(true);
      expect((await call((cb) => sftp.ext_openssh_fsync(h, cb))).code).toBe(0);
      expect((await call<ssh2.Stats>((cb) => sftp.fstat(h, cb))).v!.size).toBe(data.length);
      expect((await call((cb) => sftp.close(h, cb))).code).toBe(0);
      expect(p.landed.length).toBe(round === 'first' ? 0 : 1); // a .part file is never handed on
      expect((await call((cb) => sftp.ext_openssh_rename('upload/.1-2.ndjson.gz.part', 'upload/1-2.ndjson.gz', cb))).code).toBe(0);
      expect(fs.readFileSync(path.join(p.home, 'upload', '1-2.ndjson.gz'))).toEqual(data);
    }
    expect(p.landed.map((l) => l.relPath)).toEqual(['upload/1-2.ndjson.gz', 'upload/1-2.ndjson.gz']);
    // Plain SFTP rename keeps an existing target, as version 3 says.
    expect(await writeFile(sftp, 'upload/.x.part', 'x')).toBe(0);
    expect((await call((cb) => sftp.rename('upload/.x.part', 'upload/1-2.ndjson.gz', cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.rename('upload/.x.part', 'upload/x', cb))).code).toBe(0);
    expect(p.landed.map((l) => l.relPath).at(-1)).toBe('upload/x');
    // Reading back, appending, listing, removing.
    const rd = (await call<Buffer>((cb) => sftp.open('upload/x', 'a+', cb))).v!;
    expect((await call((cb) => sftp.write(rd, Buffer.from('yz'), 0, 2, 0, cb))).code).toBe(0);
    const buf = Buffer.alloc(10);
    expect((await call<number>((cb) => sftp.read(rd, buf, 0, 10, 0, cb))).v).toBe(3);
    expect(buf.subarray(0, 3).toString()).toBe('xyz');
    expect((await call((cb) => sftp.read(rd, buf, 0, 10, 3, cb))).v).toBe(0); // EOF
    expect((await call((cb) => sftp.close(rd, cb))).code).toBe(0);
    const list = (await call<ssh2.FileEntry[]>((cb) => sftp.readdir('upload', cb))).v!;
    expect(list.map((e) => e.filename).sort()).toEqual(['1-2.ndjson.gz', 'x']);
    expect(list.find((e) => e.filename === 'x')!.longname).toMatch(/^-rw------- +1 tmsp-test tmsp-test +3 /);
    expect((await call((cb) => sftp.rmdir('upload', cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.unlink('upload/x', cb))).code).toBe(0);
    expect((await call((cb) => sftp.unlink('upload/x', cb))).code).toBe(STATUS.NO_SUCH_FILE);
    expect((await call((cb) => sftp.unlink('upload', cb))).code).toBe(STATUS.FAILURE);
    expect((await call<string>((cb) => sftp.realpath('upload/../upload/./', cb))).v).toBe('/upload');
    conn.end();
  });
});

describe('the portal\'s SSH log server, bounded', () => {
  it('closes connections past maxSessions at the door, and ones that do not log in in time', async () => {
    const p = await portal({ maxSessions: 2, authTimeoutMs: 2000 });
    const closed: boolean[] = [];
    await Promise.all([0, 1].map((i) => new Promise<void>((resolve) => {
      closed[i] = false;
      const s = net.connect(p.rx.port, '127.0.0.1', () => resolve());
      s.on('error', () => {});
      s.on('close', () => (closed[i] = true));
      s.resume(); // read the server's greeting, say nothing
    })));
    await until(() => p.rx.counters().activeSessions === 2, 5000, 'two connections held');
    const third = await connect(p).then(() => 'in', (e: Error) => e.message);
    expect(third).not.toBe('in');
    expect(p.rx.counters().refusedSessions).toBe(1);
    // The two that never spoke SSH are closed after the login time.
    await until(() => closed.every(Boolean), 10_000, 'silent connections closed');
    await until(() => p.rx.counters().activeSessions === 0, 5000, 'the slots free again');
    expect(p.rx.counters().timedOut).toBe(2);
    const c = await connect(p);
    c.conn.end();
  });

  it('closes a logged-in connection that idles', async () => {
    const p = await portal({ idleTimeoutMs: 600 });
    const c = await connect(p);
    const closed = new Promise<void>((r) => c.conn.once('close', () => r()));
    // Requests keep it open past the idle time...
    const t0 = Date.now();
    while (Date.now() - t0 < 1000) expect((await call((cb) => c.sftp.realpath('.', cb))).code).toBe(0);
    // ...silence does not.
    await closed;
    expect(p.rx.counters().timedOut).toBe(1);
  });

  it('caps open handles per session and the size of a write', async () => {
    const p = await portal({ limits: { maxHandles: 4, maxWriteBytes: 1024, maxFileBytes: 4096 } });
    const { conn, sftp } = await connect(p);
    const handles: Buffer[] = [];
    for (let i = 0; i < 4; i++) handles.push((await call<Buffer>((cb) => sftp.open(`.f${i}`, 'w', cb))).v!);
    expect((await call((cb) => sftp.open('.f4', 'w', cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.opendir('/', cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.close(handles.pop()!, cb))).code).toBe(0);
    const h = (await call<Buffer>((cb) => sftp.open('.f4', 'w', cb))).v!;
    expect((await call((cb) => sftp.write(h, Buffer.alloc(1024), 0, 1024, 0, cb))).code).toBe(0);
    expect((await call((cb) => sftp.write(h, Buffer.alloc(1025), 0, 1025, 0, cb))).code).toBe(STATUS.FAILURE);
    // Nor may a file grow past its cap, by writing far out or by truncating upwards.
    expect((await call((cb) => sftp.write(h, Buffer.alloc(200), 0, 200, 4000, cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.fsetstat(h, { size: 1 << 30 }, cb))).code).toBe(STATUS.FAILURE);
    // A handle never given out, or closed already, is refused.
    expect((await call((cb) => sftp.close(Buffer.from('nope'), cb))).code).toBe(STATUS.FAILURE);
    expect((await call((cb) => sftp.close(h, cb))).code).toBe(0);
    expect((await call((cb) => sftp.write(h, Buffer.alloc(1), 0, 1, 0, cb))).code).toBe(STATUS.FAILURE);
    conn.end();
    expect(p.rx.counters().bytesWritten).toBe(1024);
  });

  it('shrugs off clients that speak garbage', async () => {
    const p = await portal();
    const junk = [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from('SSH-2.0-x\r\n\0\0\0\x10garbage-garbage!'),
      Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])])];
    await Promise.all(junk.map((bytes) => new Promise<void>((resolve) => {
      const s = net.connect(p.rx.port, '127.0.0.1', () => s.write(bytes));
      s.on('error', () => {});
      s.on('close', () => resolve());
      s.resume();
    })));
    const c = await connect(p);
    expect((await call<string>((cb) => c.sftp.realpath('.', cb))).v).toBe('/');
    c.conn.end();
  });

  it('stops: every connection is closed and every file it held is closed too', async () => {
    const p = await portal();
    const { conn, sftp } = await connect(p);
    const closed = new Promise<void>((r) => conn.once('close', () => r()));
    conn.on('error', () => {});
    const h = (await call<Buffer>((cb) => sftp.open('held.txt', 'w', cb))).v!;
    expect((await call((cb) => sftp.write(h, Buffer.from('half'), 0, 4, 0, cb))).code).toBe(0);
    const target = path.join(p.home, 'held.txt');
    const holding = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
      } catch {
        return false;
      }
    }).length;
    expect(holding()).toBe(1);
    await p.rx.stop();
    await closed;
    expect(holding()).toBe(0);
    expect(p.rx.counters().activeSessions).toBe(0);
    // Never closed by the client: not complete, so not handed on.
    expect(p.landed).toEqual([]);
    await expect(connect(p)).rejects.toThrow();
  });
});

describe('the agent and the portal\'s SSH log server', () => {
  let root: string;
  let mqtt: Peer;
  beforeAll(async () => {
    root = peerRoot();
    mqtt = await startMosquitto(root);
  });
  afterAll(async () => {
    await mqtt?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });
  let agent: RunningAgent | undefined;
  afterEach(async () => {
    await agent?.stop('SIGKILL');
    agent = undefined;
  });

  function tmsp(p: Portal, hostKeyFingerprint: string): Record<string, unknown> {
    return {
      enabled: true, protocol: 'ssh', logServer: `127.0.0.1:${p.rx.port}`, logBasePath: 'upload',
      statusServer: `127.0.0.1:${mqtt.port}`, username: USER, password: PASS, registrationEmail: 'admin@example.com',
      tlsCaFile: pki(root).ca, hostKeyFingerprint, heartbeatSeconds: 5, timeoutSeconds: TIMEOUT_SECONDS, retryMaxSeconds: 2,
    };
  }

  it('passes Test Connection, showing the fingerprint the portal made, and Save accepts it', async () => {
    const p = await portal();
    const dir = tmpdir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({
      appliance: { id: APPLIANCE }, tmsp: tmsp(p, ''),
      daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock') },
    }), { mode: 0o600 });
    const r = await cliAsync(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.passed).toBe(true);
    expect(r.json.hostKeyFingerprint).toBe(p.fingerprint);
    const steps = r.json.steps as Array<{ target: string; step: string; ok: boolean; detail: string }>;
    const login = steps.find((s) => s.step === 'SSH handshake and login')!;
    expect(login).toMatchObject({ ok: true });
    expect(login.detail).toContain(`host key ${p.fingerprint} (not accepted yet`);
    expect(steps.find((s) => s.step === 'probe write and delete')!.detail).toContain(`the remote directory is /upload/${APPLIANCE}`);
    // The probe file came and went, and was never handed on (its name is hidden).
    expect(walk(p.home)).toEqual(['upload', `upload/${APPLIANCE}`]);
    expect(p.landed).toEqual([]);

    const saved = await cliAsync(['--config', file, '--json', 'tmsp', 'save']);
    expect(saved.code, saved.stdout + saved.stderr).toBe(0);
    expect(saved.json.acceptedHostKey).toBe(p.fingerprint);
    const again = await cliAsync(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(again.code).toBe(0);
    expect(again.json.steps.find((s: { step: string }) => s.step === 'SSH handshake and login').detail).toContain('(accepted)');
  });

  it('uploads batches that land under upload/<appliance>/<first>-<last>.ndjson.gz, holding every record sent', async () => {
    const p = await portal();
    agent = await startAgent(tmpdir(), {
      spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 200 },
      extra: { appliance: { id: APPLIANCE }, tmsp: tmsp(p, p.fingerprint) },
    });
    const a = agent;
    const n = 3000;
    let text = '';
    for (let i = 0; i < n; i++) text += `${line(i, 60)}\n`;
    await sendTcp(a.config.ingest!.tcpPort as number, text);
    await until(async () => (await a.cliAsync('--json', 'status')).json?.status.ingest.records >= n, 20_000, `${n} records in`);
    const up = await a.cliAsync('--json', 'upload-now');
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const files = await until(() => {
      const got = p.landed.filter((l) => l.relPath.startsWith(`upload/${APPLIANCE}/`));
      return idsOf(got.flatMap((l) => records(l.file))).length === n && got;
    }, 20_000, 'every record landed');
    for (const l of files) {
      expect(l).toMatchObject({ account: USER, via: 'sftp' });
      expect(l.relPath).toMatch(new RegExp(`^upload/${APPLIANCE}/\\d+-\\d+\\.ndjson\\.gz$`));
      expect(l.file).toBe(path.join(p.home, ...l.relPath.split('/')));
    }
    const ranges = files.map((l) => parseBatchFileName(path.posix.basename(l.relPath))!).sort((x, y) => x.firstSeq - y.firstSeq);
    expect(ranges[0]!.firstSeq).toBe(1);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.firstSeq).toBe(ranges[i - 1]!.lastSeq + 1);
    expect(ranges.at(-1)!.lastSeq).toBe(n);
    const ordered = [...files].sort((x, y) => parseBatchFileName(path.posix.basename(x.relPath))!.firstSeq
      - parseBatchFileName(path.posix.basename(y.relPath))!.firstSeq);
    expect(idsOf(ordered.flatMap((l) => records(l.file)))).toEqual([...Array(n).keys()]);
    // Nothing partial left behind; the agent fsynced each batch and renamed it into place.
    expect(fs.readdirSync(path.join(p.home, 'upload', APPLIANCE)).filter((f) => !parseBatchFileName(f))).toEqual([]);
    expect(p.rx.counters()).toMatchObject({ filesLanded: files.length, refusedLogins: 0, deniedPaths: 0 });
  });
});

/** The original lines of a landed batch file. */
function records(file: string): string[] {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => decodeRecord(l)!.line.toString());
}
