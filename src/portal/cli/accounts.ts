// tmsp-portal account add|list|remove|passwd|claim: the credentials appliances
// register with (role appliance) and the web's administrators (role admin).
// With mqtt.passwordFile and mqtt.aclFile set, every change is also written
// to an external Mosquitto's password_file and acl_file (receive/broker/
// mosquitto-files.ts), and the output says to reload the broker.

import { TmspError, UsageError } from '../../errors.ts';
import type { Out } from '../../core/out.ts';
import { APPLIANCE_ID } from '../../protocol/topics.ts';
import { ACCOUNT_NAME_RULE, isAccountName } from '../accounts/names.ts';
import { hashPassword } from '../accounts/password.ts';
import { brokerFilesLock, writeBrokerFiles, type BrokerChange, type BrokerFilesResult } from '../receive/broker/mosquitto-files.ts';
import { waitForLock } from '../../settings/lock.ts';
import type { Store } from '../store/store.ts';
import type { Role } from '../store/types.ts';
import { withStore, type PortalCtx } from './context.ts';
import { newPassword } from './password-input.ts';

function nameArg(name: string | undefined): string {
  if (name === undefined) throw new UsageError('an account name is needed');
  if (!isAccountName(name)) throw new UsageError(`account name ${ACCOUNT_NAME_RULE}`);
  return name;
}

/** The broker files after a change, when mqtt.passwordFile is set: from the store as it is now. */
async function brokerFiles(ctx: PortalCtx, s: Store, change: BrokerChange = {}): Promise<BrokerFilesResult | undefined> {
  const m = ctx.config.mqtt;
  if (m.passwordFile === '') return undefined;
  const unlock = waitForLock(brokerFilesLock(m));
  try {
    const accounts = (await s.accounts.list()).filter((a) => a.role === 'appliance' || a.role === 'admin').map((a) => a.name);
    const owned = (await s.appliances.list()).map((a) => ({ id: a.id, account: a.account }));
    return writeBrokerFiles({ passwordFile: m.passwordFile, aclFile: m.aclFile, portal: { user: m.user, password: m.password } },
      { accounts, owned }, change);
  } finally {
    unlock();
  }
}

/** The JSON field and the words that tell the operator to reload the broker. */
function brokerNote(r: BrokerFilesResult | undefined): { fields: Record<string, unknown>; human: string } {
  if (!r) return { fields: {}, human: '' };
  const missing = r.withoutPassword.length === 0 ? ''
    : `\nno broker password yet for ${r.withoutPassword.join(', ')}: give one with tmsp-portal account passwd NAME`;
  return {
    fields: { brokerFiles: { ...r, reload: 'systemctl reload mosquitto (or kill -HUP its pid)' } },
    human: `\nbroker files written: ${r.passwordFile}, ${r.aclFile} (${r.accounts} accounts, ${r.appliances} appliances)` +
      `${missing}\nreload the broker for it to take effect: systemctl reload mosquitto (or kill -HUP its pid)`,
  };
}

function notPortalUser(ctx: PortalCtx, name: string): void {
  if (ctx.config.mqtt.passwordFile !== '' && name === ctx.config.mqtt.user) {
    throw new UsageError(`${name} is mqtt.user, the portal's own login on the broker: choose another account name`);
  }
}

export async function accountCommand(ctx: PortalCtx, out: Out, args: string[], o: { role?: string; passwordStdin?: boolean }):
  Promise<number> {
  const [sub, name] = args;
  const now = Date.now();
  if (sub === 'list') {
    const list = await withStore(ctx, (s) => s.accounts.list());
    const rows = list.map((a) => ({ name: a.name, role: a.role, createdAt: new Date(a.createdAt).toISOString(),
      updatedAt: new Date(a.updatedAt).toISOString() }));
    out.done({ accounts: rows }, rows.length === 0 ? 'no accounts yet: tmsp-portal account add NAME'
      : rows.map((r) => `${r.name.padEnd(24)} ${r.role.padEnd(10)} created ${r.createdAt}`).join('\n'));
    return 0;
  }
  if (sub === 'add') {
    const n = nameArg(name);
    const role = (o.role ?? 'appliance') as Role;
    if (role !== 'appliance' && role !== 'admin') throw new UsageError('--role must be appliance or admin');
    notPortalUser(ctx, n);
    const { password, generated } = await newPassword(Boolean(o.passwordStdin));
    const hash = await hashPassword(password);
    const done = await withStore(ctx, async (s) => {
      if (!(await s.accounts.add({ name: n, role, hash, createdAt: now, updatedAt: now }))) return undefined;
      return { files: await brokerFiles(ctx, s, { password: { account: n, password } }) };
    });
    if (!done) throw new UsageError(`account ${n} exists already; change its password with tmsp-portal account passwd ${n}`);
    const note = brokerNote(done.files);
    out.done({ account: n, role, ...(generated ? { password } : {}), ...note.fields },
      `account ${n} (${role}) added${generated ? `\npassword: ${password}\n(shown this once; the portal keeps only its hash)` : ''}${note.human}`);
    return 0;
  }
  if (sub === 'passwd') {
    const n = nameArg(name);
    const { password, generated } = await newPassword(Boolean(o.passwordStdin));
    const hash = await hashPassword(password);
    const done = await withStore(ctx, async (s) => {
      if (!(await s.accounts.setHash(n, hash, now))) return undefined;
      return { files: await brokerFiles(ctx, s, { password: { account: n, password } }) };
    });
    if (!done) throw new TmspError('E_NOT_FOUND', `no account ${n}`);
    const note = brokerNote(done.files);
    out.done({ account: n, ...(generated ? { password } : {}), ...note.fields },
      `password of ${n} changed${generated ? `\npassword: ${password}\n(shown this once)` : ''}${note.human}`);
    return 0;
  }
  if (sub === 'remove') {
    const n = nameArg(name);
    const done = await withStore(ctx, async (s) => ((await s.accounts.remove(n)) ? { files: await brokerFiles(ctx, s) } : undefined));
    if (!done) throw new TmspError('E_NOT_FOUND', `no account ${n}`);
    const note = brokerNote(done.files);
    out.done({ account: n, removed: true, ...note.fields }, `account ${n} removed; its appliances can no longer log in${note.human}`);
    return 0;
  }
  if (sub === 'claim') return claim(ctx, out, nameArg(name), args.slice(2), now);
  throw new UsageError('account add|list|remove|passwd|claim NAME');
}

/**
 * account claim NAME ID...: tie appliance ids to an account before they first
 * connect. An external broker lets an account publish only for the ids its
 * acl_file lines name, and those come from the store's claims; with the
 * embedded broker (or a first upload) the first account to name an id claims it.
 * Nothing is claimed when one of the ids belongs to another account.
 */
async function claim(ctx: PortalCtx, out: Out, n: string, ids: string[], now: number): Promise<number> {
  if (ids.length === 0) throw new UsageError('account claim NAME ID [ID...]: name the appliance ids');
  const bad = ids.find((id) => !APPLIANCE_ID.test(id));
  if (bad !== undefined) throw new UsageError(`appliance id ${JSON.stringify(bad)} is not one an agent can have (letters, digits, ".", "_", "-"; 1-64)`);
  const max = ctx.config.fleet.maxAppliancesPerAccount;
  const r = await withStore(ctx, async (s) => {
    if (!(await s.accounts.get(n))) throw new TmspError('E_NOT_FOUND', `no account ${n}`);
    const fresh = [...new Set(ids)].filter((id) => s.appliances.ownerOf(id) === undefined);
    for (const id of ids) {
      const owner = s.appliances.ownerOf(id);
      if (owner !== undefined && owner !== n) throw new UsageError(`appliance ${id} belongs to account ${owner}; nothing was claimed`);
    }
    if (s.appliances.countOf(n) + fresh.length > max) {
      throw new UsageError(`account ${n} would own more than fleet.maxAppliancesPerAccount (${max}) appliances; nothing was claimed`);
    }
    for (const id of fresh) await s.appliances.claim(id, n, now);
    return { fresh, files: await brokerFiles(ctx, s) };
  });
  const note = brokerNote(r.files);
  const owned = [...new Set(ids)];
  out.done({ account: n, appliances: owned, claimed: r.fresh, ...note.fields },
    `${r.fresh.length === 0 ? 'already' : 'now'} owned by ${n}: ${owned.join(', ')}${note.human}`);
  return 0;
}
