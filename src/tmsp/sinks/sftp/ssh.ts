// An SSH session to the log server over an already open stream (direct or
// through the proxy), with the host key checked against the accepted
// fingerprint and password authentication with the TMSP credentials.

import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { TmspError } from '../../../errors.ts';
import { toAgentError } from '../../../net/errors.ts';

export type SftpSession = ssh2.SFTPWrapper;

export interface SshOptions {
  username: string;
  password: string;
  /** Accepted fingerprint; "" means none yet. */
  hostKeyFingerprint: string;
  /** Test Connection may go on with a key not yet accepted, to show it; uploads may not. */
  allowUnknownHostKey: boolean;
  timeoutMs: number;
  keepaliveMs: number;
}

export interface SshSession {
  conn: ssh2.Client;
  sftp: SftpSession;
  /** The stream under the connection: corked while ssh2 writes a request's packets. */
  sock: Duplex;
  fingerprint: string;
  /**
   * The SSH channel window the server granted, as it stood when SFTP was
   * ready (2 MiB from OpenSSH): an upload's bytes in flight are sized to it.
   */
  windowBytes: number;
  /**
   * Rejects when the connection ends. A cut connection does not fail the
   * SFTP requests in flight (their callbacks never come): race this.
   */
  closed: Promise<never>;
}

/** SHA256:<base64 without padding>, as ssh-keygen -l prints it. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export interface SshSteps {
  /** The host key was seen (and accepted or not). */
  hostKey?(fingerprint: string): void;
}

export function openSsh(sock: Duplex, o: SshOptions, steps: SshSteps = {}): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    let fingerprint = '';
    let keyError: TmspError | undefined;
    const fail = (err: unknown) => {
      conn.removeAllListeners();
      conn.on('error', () => {});
      conn.end();
      sock.destroy();
      reject(err);
    };
    conn.once('ready', () => {
      conn.sftp((err, sftp) => {
        if (err) {
          fail(new TmspError('E_PROTOCOL', `the log server offers no SFTP subsystem: ${err.message}`));
          return;
        }
        conn.removeAllListeners('error');
        let lastError: Error | undefined;
        conn.on('error', (e: Error) => (lastError = e));
        const closed = new Promise<never>((_, rej) => conn.once('close', () => rej(lastError
          ? toAgentError(lastError, 'log server (SSH)')
          : new TmspError('E_CONNECT', 'the log server closed the SSH connection'))));
        closed.catch(() => {}); // observed by whoever races it
        // ssh2 counts it down and up on the channel (outgoing.window), without a typed accessor.
        const windowBytes = (sftp as unknown as { outgoing?: { window?: number } }).outgoing?.window ?? 0;
        resolve({ conn, sftp, sock, fingerprint, windowBytes, closed });
      });
    });
    conn.once('error', (err: Error & { level?: string }) => {
      if (keyError) fail(keyError);
      else if (err.level === 'client-authentication') {
        fail(new TmspError('E_AUTH', `the log server refused user "${o.username}": check the user name and password`));
      } else if (err.level === 'client-timeout') {
        fail(new TmspError('E_TIMEOUT', `SSH handshake did not finish within ${o.timeoutMs} ms`));
      } else if (err.level === 'protocol' || /identification|handshake/i.test(err.message)) {
        fail(new TmspError('E_PROTOCOL', `the log server does not speak SSH: ${err.message}`));
      } else {
        fail(toAgentError(err, 'log server (SSH)'));
      }
    });
    conn.connect({
      sock,
      username: o.username,
      password: o.password,
      tryKeyboard: true,
      readyTimeout: o.timeoutMs,
      keepaliveInterval: o.keepaliveMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        fingerprint = sshFingerprint(key);
        steps.hostKey?.(fingerprint);
        if (o.hostKeyFingerprint === '') {
          if (o.allowUnknownHostKey) return true;
          keyError = new TmspError('E_HOSTKEY_UNKNOWN',
            `the log server's host key ${fingerprint} has not been accepted: run Test Connection, check it, then Save`);
          return false;
        }
        if (fingerprint === o.hostKeyFingerprint) return true;
        keyError = new TmspError('E_HOSTKEY',
          `the log server's host key changed: the accepted one is ${o.hostKeyFingerprint}, it presented ${fingerprint}; ` +
          `nothing was sent. If the server's key was replaced on purpose, compare the new one with its administrator, then ` +
          `accept it: tmsp save tmsp.hostKeyFingerprint=${fingerprint}`);
        return false;
      },
    });
    // Servers with only keyboard-interactive (PAM) get the password as the answer.
    conn.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => o.password)));
  });
}

export function closeSsh(s: SshSession): void {
  s.conn.removeAllListeners();
  s.conn.on('error', () => {});
  s.conn.end();
}
