// The portal's SSH log server: SFTP over ssh2's Server, password logins
// checked by the accounts, each account jailed to its own directory under
// <incoming>. Bounded everywhere a client could make it grow: connections
// (at the door, before any SSH work), login attempts per connection, time to
// log in, idle time, and per session the handles, requests and write sizes.

import net from 'node:net';
import { listen } from '../../../core/listen.ts';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ClientInfo } from 'ssh2';
import { TmspError } from '../../../errors.ts';
import { accountDir } from '../jail.ts';
import type { LoginCheck, OnLanded } from '../landed.ts';
import { AccountRoot } from './account-root.ts';
import { DEFAULT_LIMITS, EXTENSIONS, SftpSession, type SessionLimits } from './session.ts';
import { offerExtensions } from './version.ts';

export interface ReceiverLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface SftpReceiverOptions {
  host: string;
  /** 0 = a free port; `port` tells which once started. */
  port: number;
  /** The host key (OpenSSH or PEM private key): loadOrCreateHostKey() gives one. */
  hostKey: Buffer | string;
  logins: LoginCheck;
  /** Each account is jailed to accountDir(incoming, user). */
  incoming: string;
  onLanded: OnLanded;
  log: ReceiverLog;
  /** Connections at once, logged in or not (default 64); more are closed at once. */
  maxSessions?: number;
  /** A logged-in connection with no SFTP request for this long is closed (default 10 minutes). */
  idleTimeoutMs?: number;
  /** A connection not logged in by then is closed (default 30 s, never more than idleTimeoutMs). */
  authTimeoutMs?: number;
  /** Wrong passwords one connection may try before it is closed (default 6, as OpenSSH's MaxAuthTries). */
  maxAuthTries?: number;
  /** Pause before a wrong password is answered (default 300 ms): no answer comes fast enough to guess with. */
  failureDelayMs?: number;
  limits?: Partial<SessionLimits>;
}

export interface SftpCounters {
  /** Connections open now. */
  activeSessions: number;
  /** Successful logins since start. */
  sessions: number;
  /** Connections closed at the door because maxSessions were open. */
  refusedSessions: number;
  /** Wrong passwords (and unusable account names). */
  refusedLogins: number;
  /** Connections closed for taking too long to log in, or for idling. */
  timedOut: number;
  bytesWritten: number;
  filesLanded: number;
  /** Paths refused for leaving an account's directory. */
  deniedPaths: number;
}

/** SSH channels one connection may hold; OpenSSH's sftp uses one. */
const CHANNELS_PER_CONNECTION = 4;

interface Conn {
  sock: net.Socket;
  remote: string;
  client?: Connection;
  account?: string;
  root?: AccountRoot;
  channels: number;
  failures: number;
  timer: NodeJS.Timeout;
  closed: boolean;
  sessions: Set<SftpSession>;
}

export class SftpReceiver {
  private readonly o: SftpReceiverOptions;
  private readonly limits: SessionLimits;
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly authMs: number;
  private readonly maxAuthTries: number;
  private readonly failureDelayMs: number;
  private readonly c: SftpCounters = {
    activeSessions: 0, sessions: 0, refusedSessions: 0, refusedLogins: 0, timedOut: 0, bytesWritten: 0, filesLanded: 0, deniedPaths: 0,
  };
  /** By remote address and port: how ssh2's connection event is matched to the socket it came on. */
  private readonly conns = new Map<string, Conn>();
  private readonly sessionEnds = new Set<Promise<void>>();
  private readonly ssh: ssh2.Server;
  private listener: net.Server | undefined;
  private stopping = false;
  private boundPort = 0;

  constructor(o: SftpReceiverOptions) {
    this.o = o;
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.maxSessions = o.maxSessions ?? 64;
    this.idleMs = o.idleTimeoutMs ?? 10 * 60_000;
    this.authMs = Math.min(o.authTimeoutMs ?? 30_000, this.idleMs);
    this.maxAuthTries = o.maxAuthTries ?? 6;
    this.failureDelayMs = o.failureDelayMs ?? 300;
    // ssh2 parses the key here: a broken key fails the constructor, not the first client.
    try {
      this.ssh = new ssh2.Server({ hostKeys: [o.hostKey], ident: 'tmsp-portal' }, (client, info) => this.connection(client, info));
    } catch (err) {
      throw new TmspError('E_CONFIG_INVALID', `SFTP host key: ${(err as Error).message}`, { cause: err });
    }
  }

  get port(): number {
    return this.boundPort;
  }

  counters(): SftpCounters {
    return { ...this.c, activeSessions: this.conns.size };
  }

  async start(): Promise<void> {
    if (this.listener) return;
    this.stopping = false;
    const srv = net.createServer((sock) => this.accept(sock));
    await listen(srv, this.o.port, this.o.host, 'the SFTP log server');
    srv.on('error', (err) => this.o.log.warn({ err: err.message }, 'sftp listener error'));
    this.listener = srv;
    this.boundPort = (srv.address() as net.AddressInfo).port;
    this.o.log.info({ host: this.o.host, port: this.boundPort }, 'sftp log server listening');
  }

  /** Stop listening, close every connection, and wait until every file they held is closed. */
  async stop(): Promise<void> {
    const srv = this.listener;
    if (!srv) return;
    this.listener = undefined;
    this.stopping = true;
    const closed = new Promise<void>((r) => srv.close(() => r()));
    for (const c of this.conns.values()) this.drop(c);
    await closed;
    await Promise.allSettled([...this.sessionEnds]);
  }

  private accept(sock: net.Socket): void {
    const remote = `${sock.remoteAddress}|${sock.remotePort}`;
    if (sock.remoteAddress === undefined) {
      sock.destroy(); // gone before it could be seen
      return;
    }
    if (this.stopping || this.conns.size >= this.maxSessions) {
      this.c.refusedSessions++;
      this.o.log.warn({ remote: sock.remoteAddress, max: this.maxSessions }, 'sftp connection refused: too many sessions');
      sock.destroy();
      return;
    }
    const c: Conn = {
      sock, remote, channels: 0, failures: 0, closed: false, sessions: new Set(),
      timer: setTimeout(() => this.timeout(c, 'login'), this.authMs),
    };
    this.conns.set(remote, c);
    sock.setNoDelay(true);
    sock.once('close', () => {
      c.closed = true;
      clearTimeout(c.timer);
      this.conns.delete(remote);
      for (const s of c.sessions) void s.end();
    });
    this.ssh.injectSocket(sock);
  }

  private timeout(c: Conn, what: 'login' | 'idle'): void {
    if (c.closed) return;
    this.c.timedOut++;
    this.o.log.info({ remote: c.sock.remoteAddress, account: c.account, what }, 'sftp connection timed out');
    this.drop(c);
  }

  private drop(c: Conn): void {
    clearTimeout(c.timer);
    if (c.client) c.client.end();
    c.sock.destroy();
  }

  private connection(client: Connection, info: ClientInfo): void {
    const c = this.conns.get(`${info.ip}|${info.port}`);
    if (!c || c.closed) {
      client.end();
      return;
    }
    c.client = client;
    client.on('error', (err: Error & { level?: string }) => {
      // A client that goes away mid-session is routine; anything else says what broke.
      if (err.level !== 'socket') this.o.log.info({ remote: info.ip, account: c.account, err: err.message }, 'sftp connection error');
    });
    client.on('authentication', (ctx) => this.authenticate(c, ctx, info.ip));
    client.on('ready', () => {
      clearTimeout(c.timer);
      c.timer = setTimeout(() => this.timeout(c, 'idle'), this.idleMs);
      client.on('session', (accept, reject) => {
        if (c.channels >= CHANNELS_PER_CONNECTION) {
          reject();
          return;
        }
        c.channels++;
        const session = accept();
        // Only the SFTP subsystem is served: no shell, exec, pty or forwarding handlers, so ssh2 refuses those.
        session.on('sftp', (acceptSftp) => this.serveSftp(c, acceptSftp()));
        session.on('close', () => c.channels--);
      });
    });
  }

  private authenticate(c: Conn, ctx: AuthContext, remote: string): void {
    if (ctx.method !== 'password') {
      ctx.reject(['password']);
      return;
    }
    const user = ctx.username;
    const password = ctx.password;
    void this.login(user, password, remote).then((root) => {
      if (c.closed) return;
      if (root) {
        c.account = user;
        c.root = root;
        this.c.sessions++;
        this.o.log.info({ account: user, remote }, 'sftp login');
        ctx.accept();
        return;
      }
      c.failures++;
      this.c.refusedLogins++;
      this.o.log.warn({ user: user.slice(0, 64), remote, attempt: c.failures }, 'sftp login refused');
      const t = setTimeout(() => {
        if (c.closed) return;
        ctx.reject(['password']);
        if (c.failures >= this.maxAuthTries) this.drop(c);
      }, this.failureDelayMs);
      c.sock.once('close', () => clearTimeout(t));
    }).catch((err: Error) => {
      this.o.log.warn({ user: user.slice(0, 64), remote, err: err.message }, 'sftp login failed');
      this.drop(c);
    });
  }

  /** The account's directory when the password is right (made at the first login), else undefined. */
  private async login(user: string, password: string, remote: string): Promise<AccountRoot | undefined> {
    let ok = false;
    try {
      ok = await this.o.logins.verify(user, password, remote);
    } catch (err) {
      this.o.log.warn({ user: user.slice(0, 64), remote, err: (err as Error).message }, 'sftp login check failed');
      return undefined;
    }
    if (!ok) return undefined;
    try {
      return await AccountRoot.open(accountDir(this.o.incoming, user));
    } catch (err) {
      this.o.log.warn({ user: user.slice(0, 64), err: (err as Error).message }, 'sftp account directory unusable');
      return undefined;
    }
  }

  private serveSftp(c: Conn, sftp: ssh2.SFTPWrapper): void {
    offerExtensions(sftp, EXTENSIONS);
    const s = new SftpSession(sftp, {
      account: c.account!, root: c.root!, onLanded: this.o.onLanded, log: this.o.log, counters: this.c, limits: this.limits,
      touch: () => {
        if (!c.closed) c.timer.refresh();
      },
    });
    c.sessions.add(s);
    const end = s.closed.finally(() => {
      c.sessions.delete(s);
      this.sessionEnds.delete(end);
    });
    this.sessionEnds.add(end);
    s.start();
  }
}
