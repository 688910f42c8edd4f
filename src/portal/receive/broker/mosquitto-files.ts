// The two files an external Mosquitto reads to let the portal's appliances
// in (mqtt.passwordFile, mqtt.aclFile), kept by the account commands. The
// portal owns both: each write is the whole file, made from the store.
//
// - password_file: one "name:$7$<iterations>$<salt>$<hash>" line per
//   account that may log in (roles appliance and admin, as with the embedded
//   broker) and one for mqtt.user. $7$ is mosquitto_passwd's PBKDF2-SHA512
//   (101 iterations, 12-byte salt, 64-byte hash, both base64). Passwords are
//   known only at `account add|passwd` (the portal keeps scrypt hashes), so
//   a line is made then and carried over unchanged by every later write.
// - acl_file: mqtt.user reads tmsp/v1/#; each account writes the three
//   topics of each appliance id the store says it owns, and nothing else.
//   Mosquitto's ACL is deny-by-default, so an account with no appliances
//   can log in but publish nowhere, and a stranger's id is refused at the
//   broker. Nothing from a payload decides ownership: only the store's claims.
//
// Mosquitto rereads both on SIGHUP; nothing here signals it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { TmspError } from '../../../errors.ts';
import { TOPIC_ROOT } from '../../../protocol/topics.ts';
import { writeAtomic } from '../../../settings/file.ts';
import { LEAVES } from './acl.ts';

/** mosquitto_passwd's defaults (2.0): what a line it writes itself carries. */
export const PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** A password_file line's hash part for `password`: $7$<iterations>$<salt>$<hash>. */
export function mosquittoHash(password: string, salt = crypto.randomBytes(SALT_BYTES), iterations = PBKDF2_ITERATIONS): string {
  const key = crypto.pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Does a $7$ hash match `password`? (Other hash kinds: false.) */
export function mosquittoVerify(password: string, hash: string): boolean {
  const m = /^\$7\$(\d{1,7})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return false;
  const want = Buffer.from(m[3]!, 'base64');
  const got = crypto.pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), want.length || HASH_BYTES, 'sha512');
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** name → hash, in file order; comments, blank and malformed lines are dropped. */
export function parsePasswordFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.trim();
    const colon = l.indexOf(':');
    if (l === '' || l.startsWith('#') || colon <= 0) continue;
    out.set(l.slice(0, colon), l.slice(colon + 1));
  }
  return out;
}

const HEADER = [
  '# Written by tmsp-portal (account add|passwd|remove|claim), whole, on every change: edits here are lost.',
  '# Mosquitto rereads it on SIGHUP: systemctl reload mosquitto, or kill -HUP <its pid>.',
];

export function passwordFileText(entries: ReadonlyMap<string, string>): string {
  return `${[...HEADER, ...[...entries].map(([name, hash]) => `${name}:${hash}`)].join('\n')}\n`;
}

export interface AclInput {
  /** mqtt.user, the portal's subscriber. */
  portalUser: string;
  /** Accounts that may log in, with the appliance ids each owns. */
  accounts: ReadonlyArray<{ name: string; applianceIds: readonly string[] }>;
}

/** The acl_file: the portal reads everything under tmsp/v1/, each account writes its own appliances' topics. */
export function aclFileText(a: AclInput): string {
  const lines = [...HEADER, '', '# The portal\'s subscriber: every appliance\'s topics, read only (its $share subscription included).',
    `user ${a.portalUser}`, `topic read ${TOPIC_ROOT}/#`];
  for (const acct of a.accounts) {
    lines.push('', acct.applianceIds.length === 0
      ? `# Account ${acct.name}: no appliance yet (tmsp-portal account claim ${acct.name} ID), so it may publish nowhere.`
      : `# Account ${acct.name}: its appliances' topics, write only.`, `user ${acct.name}`);
    for (const id of [...acct.applianceIds].sort()) for (const leaf of LEAVES) lines.push(`topic write ${TOPIC_ROOT}/${id}/${leaf}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A user name both files can hold: no ":" (the password_file's separator), no white space (the acl_file's). */
export function isBrokerUser(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]{1,256}$/.test(name);
}

export interface BrokerFiles {
  passwordFile: string;
  aclFile: string;
  /** mqtt.user and mqtt.password; an empty password keeps the user's line as it is. */
  portal: { user: string; password: string };
}

export interface BrokerState {
  /** Accounts that may log in (appliance and admin). */
  accounts: readonly string[];
  /** Every claimed appliance id and its account. */
  owned: ReadonlyArray<{ id: string; account: string }>;
}

/** What a write changes beyond bringing the files in step: a password set (add, passwd) or a line dropped (remove). */
export interface BrokerChange {
  password?: { account: string; password: string };
}

export interface BrokerFilesResult {
  passwordFile: string;
  aclFile: string;
  accounts: number;
  appliances: number;
  /** Accounts with no password line (made before the files were configured): `account passwd` gives them one. */
  withoutPassword: string[];
}

/** The password file's lines after `change`, for the accounts in `state` and the portal's user only. */
export function passwordEntries(old: ReadonlyMap<string, string>, f: BrokerFiles, state: BrokerState, change: BrokerChange): Map<string, string> {
  const out = new Map<string, string>();
  const portalOld = old.get(f.portal.user);
  if (f.portal.password !== '') {
    out.set(f.portal.user, portalOld !== undefined && mosquittoVerify(f.portal.password, portalOld) ? portalOld : mosquittoHash(f.portal.password));
  } else if (portalOld !== undefined) {
    out.set(f.portal.user, portalOld);
  }
  for (const name of state.accounts) {
    if (name === f.portal.user) continue;
    const hash = change.password?.account === name ? mosquittoHash(change.password.password) : old.get(name);
    if (hash !== undefined) out.set(name, hash);
  }
  return out;
}

/**
 * Rewrite both files from the store's accounts and claims; the password file 0600, the ACL 0640, each keeping its owner.
 * The caller holds brokerFilesLock() from reading the store until this returns.
 */
export function writeBrokerFiles(f: BrokerFiles, state: BrokerState, change: BrokerChange = {}): BrokerFilesResult {
  if (!isBrokerUser(f.portal.user)) {
    throw new TmspError('E_CONFIG_INVALID', 'mqtt.user must be set, without ":" or white space, to write mqtt.passwordFile and mqtt.aclFile');
  }
  if (state.accounts.includes(f.portal.user)) {
    throw new TmspError('E_CONFIG_INVALID', `mqtt.user ${f.portal.user} is also an account: the broker could not tell the portal from an appliance`);
  }
  const entries = passwordEntries(parsePasswordFile(readIfThere(f.passwordFile)), f, state, change);
  const byAccount = new Map<string, string[]>(state.accounts.map((a) => [a, []]));
  for (const o of state.owned) byAccount.get(o.account)?.push(o.id);
  const acl = aclFileText({ portalUser: f.portal.user, accounts: [...byAccount].map(([name, applianceIds]) => ({ name, applianceIds })) });
  writeKeepingOwner(f.passwordFile, passwordFileText(entries), 0o600);
  writeKeepingOwner(f.aclFile, acl, 0o640);
  return {
    passwordFile: f.passwordFile, aclFile: f.aclFile, accounts: state.accounts.length,
    appliances: [...byAccount.values()].reduce((n, ids) => n + ids.length, 0),
    withoutPassword: state.accounts.filter((a) => !entries.has(a)),
  };
}

function readIfThere(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new TmspError('E_CONFIG_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Atomically, and with the owner the file had: the broker (user mosquitto)
 * must still read a 0600 file after root's command rewrote it. A new file
 * belongs to whoever runs the command (README: chown it to the broker's user once).
 */
function writeKeepingOwner(file: string, text: string, mode: number): void {
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = fs.statSync(file);
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    owner = undefined;
  }
  writeAtomic(file, text, mode);
  if (owner && process.geteuid?.() === 0) fs.chownSync(file, owner.uid, owner.gid);
}

/**
 * The lock two account commands take in turn: each reads the store and the password file and writes both files,
 * and one that read before the other wrote would write the file without the other's line.
 */
export function brokerFilesLock(f: Pick<BrokerFiles, 'passwordFile'>): string {
  return `${f.passwordFile}.lock`;
}
