// The status server: an embedded MQTT broker (aedes, with its in-memory
// persistence for retained messages and wills) over TLS. Appliances log in
// with their accounts (the log servers' LoginCheck) and publish only for the
// appliances they own (acl.ts); the portal's own subscriber reads them all.
//
// MQTT 5: aedes speaks 3.1.1 only. A v5 CONNECT is answered with CONNACK
// return code 1 ("unacceptable protocol version"), which is the agent's cue
// to connect again with 3.1.1 (tmsp/status/connect.ts).
//
// A refused publish closes the connection: MQTT 3.1.1 can only acknowledge it
// as if accepted or close (MQTT-3.3.5-2), and an acknowledgement would let the
// appliance believe its heartbeat arrived. A refused subscription gets 0x80 in
// SUBACK and the session stays. A will is checked at CONNECT (refused with
// "not authorized"), so a session never holds a will it could not publish.

import type { EventEmitter } from 'node:events';
import type net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import { listen } from '../../../core/listen.ts';
import type { LoginCheck } from '../landed.ts';
import { Acl, internalMaySubscribe, publishTarget, type ApplianceOwners, type Verdict } from './acl.ts';
import { BoundedConnection } from './frames.ts';
import { sameSecret, type Who } from './identity.ts';

export type { ApplianceOwners } from './acl.ts';

export interface BrokerLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface BrokerOptions {
  host: string;
  /** 0 = a free port, chosen at start (see `port`). */
  port: number;
  /** PEM */
  tls: { cert: string; key: string };
  logins: LoginCheck;
  owners: ApplianceOwners;
  /** The portal's own subscriber: may subscribe to anything under tmsp/v1/, publishes nothing. */
  internal: { user: string; password: string };
  log: BrokerLog;
  /** Logged-in sessions at once, the portal's own included (default 1024). */
  maxClients?: number;
  /** Largest MQTT packet accepted, fixed header included (default 64 KiB); a larger one closes the connection. */
  maxPacketBytes?: number;
  /** For the TLS handshake, then again for the CONNECT packet (default 10 s). */
  connectTimeoutMs?: number;
}

export interface BrokerCounters {
  /** Logged-in sessions now. */
  clients: number;
  /** TCP connections now, those still in their TLS handshake or before CONNECT included. */
  connections: number;
  logins: number;
  /** Wrong or missing user name or password, or a client id that another account's session holds. */
  refusedLogins: number;
  /** MQTT 5 CONNECTs answered "unacceptable protocol version" (the agent then comes back with 3.1.1). */
  refusedVersions: number;
  /** Connections or logins past the limits. */
  refusedClients: number;
  refusedPublishes: number;
  refusedSubscribes: number;
  /** CONNECTs whose last will names a topic the account may not publish to. */
  refusedWills: number;
  oversizePackets: number;
  tlsFailures: number;
  /** Publishes accepted from clients (wills included), counted as they are let through. */
  messages: number;
}

type Refusable = Omit<BrokerCounters, 'clients' | 'connections'>;

/** CONNACK return codes of MQTT 3.1.1 (3.2.2.3) that a login can end with. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_LOGIN = 4;
const NOT_AUTHORIZED = 5;

function refusal(code: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code as AuthenticateError['returnCode'] });
}

/** Connections past maxClients still get their handshake, so that CONNACK can tell them "server unavailable". */
const HANDSHAKE_ROOM = 64;

export class Broker {
  private readonly o: BrokerOptions;
  private readonly log: BrokerLog;
  private readonly acl: Acl;
  private readonly maxClients: number;
  private readonly maxPacketBytes: number;
  private readonly connectTimeoutMs: number;
  private aedes: Aedes | undefined;
  private server: tls.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly whos = new WeakMap<Client, Who>();
  /** The will topic of each CONNECT, seen before authentication (aedes keeps it private). */
  private readonly wills = new WeakMap<Client, string>();
  /** Sessions by client id: a login under an id another account holds must not take that session over. */
  private readonly live = new Map<string, Client>();
  /** The broker's own refusals: counted (and logged) where decided, not again as client errors. */
  private readonly reported = new WeakSet<Error>();
  private stopping = false;
  private readonly c: Refusable = {
    logins: 0, refusedLogins: 0, refusedVersions: 0, refusedClients: 0, refusedPublishes: 0, refusedSubscribes: 0,
    refusedWills: 0, oversizePackets: 0, tlsFailures: 0, messages: 0,
  };

  constructor(o: BrokerOptions) {
    this.o = o;
    this.log = o.log;
    this.acl = new Acl(o.owners);
    this.maxClients = o.maxClients ?? 1024;
    this.maxPacketBytes = o.maxPacketBytes ?? 64 * 1024;
    this.connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const aedes = (this.aedes = await Aedes.createBroker({
      connectTimeout: this.connectTimeoutMs,
      preConnect: (client, packet, done) => this.preConnect(client, packet, done),
      authenticate: (client, username, password, done) => {
        this.login(client, username, password).then((r) => {
          if (r instanceof Error) {
            this.reported.add(r);
            return done(r, false);
          }
          this.whos.set(client, r);
          this.c.logins++;
          done(null, true);
        }, (err: unknown) => done(refusal(SERVER_UNAVAILABLE, String(err)), false));
      },
      authorizePublish: (client, packet, done) => done(this.mayPublish(client, packet)),
      authorizeSubscribe: (client, sub, done) => done(null, this.maySubscribe(client, sub)),
    }));
    aedes.on('client', (client) => {
      this.live.set(client.id, client);
      this.log.info({ clientId: client.id, user: this.userOf(client), remote: remoteOf(client) }, 'status client connected');
    });
    aedes.on('clientDisconnect', (client) => {
      if (this.live.get(client.id) === client) this.live.delete(client.id);
      this.log.info({ clientId: client.id, user: this.userOf(client) }, 'status client disconnected');
    });
    aedes.on('clientError', (client, err) => {
      if (!this.reported.has(err)) this.log.info({ clientId: client.id, user: this.userOf(client), err: err.message }, 'status client error');
    });
    // aedes emits 'error' (untyped) for persistence failures: an EventEmitter without a listener would throw them.
    (aedes as EventEmitter).on('error', (err: Error) => this.log.warn({ err: err.message }, 'status server error'));

    const server = (this.server = tls.createServer({
      cert: this.o.tls.cert, key: this.o.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: this.connectTimeoutMs,
    }));
    server.maxConnections = this.maxClients + HANDSHAKE_ROOM;
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('drop', () => this.c.refusedClients++);
    server.on('tlsClientError', () => this.c.tlsFailures++);
    server.on('secureConnection', (socket) => this.accept(socket));
    try {
      await listen(server, this.o.port, this.o.host, 'the status server');
    } catch (err) {
      await this.stop();
      throw err;
    }
    server.on('error', (err) => this.log.warn({ err: err.message }, 'status server listener error'));
    this.log.info({ host: this.o.host, port: this.port, maxClients: this.maxClients }, 'status server listening (MQTT 3.1.1 over TLS)');
  }

  /** The port it listens on (the chosen one when started with 0). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.o.port;
  }

  counters(): BrokerCounters {
    return { ...this.c, clients: this.aedes?.connectedClients ?? 0, connections: this.sockets.size };
  }

  async stop(): Promise<void> {
    const { server, aedes } = this;
    this.server = undefined;
    this.aedes = undefined;
    // A portal going down says nothing about its appliances: no will fires for the sessions it closes.
    this.stopping = true;
    const closed = server?.listening ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.live.clear();
  }

  private accept(socket: tls.TLSSocket): void {
    socket.setNoDelay(true);
    // Clients with keepalive 0 are never timed out by MQTT: TCP finds the ones whose peer is gone.
    socket.setKeepAlive(true, 60_000);
    let client: Client | undefined;
    const conn = new BoundedConnection(socket, this.maxPacketBytes, (err) => {
      this.c.oversizePackets++;
      this.reported.add(err);
      this.log.warn({ clientId: client?.id ?? null, user: client ? this.userOf(client) : null, remote: conn.remote,
        maxPacketBytes: this.maxPacketBytes }, 'status server closed a connection: packet over the size limit');
    });
    client = this.aedes!.handle(conn);
  }

  private preConnect(client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void): void {
    // aedes itself answers return code 1 to anything but 3.1/3.1.1; this only counts it.
    if (packet.protocolVersion === 5) this.c.refusedVersions++;
    if (packet.will) this.wills.set(client, packet.will.topic);
    done(null, true);
  }

  private async login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Who | AuthenticateError> {
    const remote = remoteOf(client);
    if (!username || !password) {
      this.c.refusedLogins++;
      return refusal(BAD_LOGIN, 'a user name and password are required');
    }
    if (this.aedes!.connectedClients >= this.maxClients && !this.live.has(client.id)) {
      this.c.refusedClients++;
      this.log.warn({ user: username, remote, maxClients: this.maxClients }, 'status server refused a login: too many clients');
      return refusal(SERVER_UNAVAILABLE, 'too many clients');
    }
    const secret = password.toString('utf8');
    let who: Who;
    // The portal's own user is never looked up among the accounts: an account of that name gains nothing.
    if (username === this.o.internal.user) {
      if (!sameSecret(secret, this.o.internal.password)) {
        this.c.refusedLogins++;
        return refusal(BAD_LOGIN, 'bad user name or password');
      }
      who = { kind: 'internal', user: username };
    } else {
      let ok: boolean;
      try {
        ok = await this.o.logins.verify(username, secret, remote);
      } catch (err) {
        this.log.warn({ user: username, remote, err: err instanceof Error ? err.message : String(err) }, 'status server could not check a login');
        return refusal(SERVER_UNAVAILABLE, 'logins cannot be checked now');
      }
      if (!ok) {
        this.c.refusedLogins++;
        return refusal(BAD_LOGIN, 'bad user name or password');
      }
      who = { kind: 'account', account: username };
    }
    const holder = this.live.get(client.id);
    const held = holder && holder !== client ? this.whos.get(holder) : undefined;
    if (held && nameOf(held) !== nameOf(who)) {
      this.c.refusedLogins++;
      this.log.warn({ user: username, remote, clientId: client.id }, 'status server refused a login: client id in use by another account');
      return refusal(IDENTIFIER_REJECTED, 'client id in use by another account');
    }
    const will = this.wills.get(client);
    if (will !== undefined) {
      const v = this.verdict(who, will, 'publish');
      if (!v.ok) {
        this.c.refusedWills++;
        this.log.warn({ user: username, remote, clientId: client.id, topic: will, reason: v.reason }, 'status server refused a login: last will not allowed');
        return refusal(NOT_AUTHORIZED, `last will refused: ${v.reason}`);
      }
    }
    return who;
  }

  private verdict(who: Who, topic: string, what: 'publish' | 'subscribe'): Verdict {
    if (who.kind === 'internal') {
      if (what === 'publish') return { ok: false, reason: 'the portal\'s subscriber publishes nothing' };
      return internalMaySubscribe(topic) ? { ok: true, applianceId: '' } : { ok: false, reason: 'outside tmsp/v1/' };
    }
    // aedes calls these handlers without a try: a store that throws must refuse one client, not end the process.
    try {
      return what === 'publish' ? this.acl.publish(who.account, topic) : this.acl.subscribe(who.account, topic);
    } catch (err) {
      return { ok: false, reason: `the appliance owners cannot be checked: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Null to let it through; an error closes the connection (aedes). */
  private mayPublish(client: Client | null, packet: PublishPacket): Error | null {
    if (this.stopping) return new Error('the status server is stopping');
    // No client: aedes publishing the stored will of a session gone with a broker; it passed at CONNECT.
    if (!client) return publishTarget(packet.topic).ok ? null : new Error(`will to ${packet.topic} refused`);
    const who = this.whos.get(client);
    const v: Verdict = who ? this.verdict(who, packet.topic, 'publish') : { ok: false, reason: 'not logged in' };
    if (v.ok) {
      this.c.messages++;
      return null;
    }
    this.c.refusedPublishes++;
    this.log.warn({ user: this.userOf(client), clientId: client.id, remote: remoteOf(client), topic: packet.topic, reason: v.reason },
      'status server refused a publish and closed the connection');
    const err = new Error(`publish to ${packet.topic} refused: ${v.reason}`);
    this.reported.add(err);
    return err;
  }

  /** The subscription, or null for SUBACK 0x80. */
  private maySubscribe(client: Client, sub: Subscription): Subscription | null {
    const who = this.whos.get(client);
    const v: Verdict = who ? this.verdict(who, sub.topic, 'subscribe') : { ok: false, reason: 'not logged in' };
    if (v.ok) return sub;
    this.c.refusedSubscribes++;
    this.log.warn({ user: this.userOf(client), clientId: client.id, topic: sub.topic, reason: v.reason }, 'status server refused a subscription');
    return null;
  }

  private userOf(client: Client): string | null {
    const who = this.whos.get(client);
    return who ? nameOf(who) : null;
  }
}

function nameOf(who: Who): string {
  return who.kind === 'internal' ? who.user : who.account;
}

function remoteOf(client: Client): string {
  return client.conn instanceof BoundedConnection ? client.conn.remote : '';
}
