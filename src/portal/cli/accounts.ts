// tmsp-portal account add|list|remove|passwd: the credentials appliances
// register with (role appliance) and the web's administrators (role admin).

import { TmspError, UsageError } from '../../errors.ts';
import type { Out } from '../../core/out.ts';
import { ACCOUNT_NAME_RULE, isAccountName } from '../accounts/names.ts';
import { hashPassword } from '../accounts/password.ts';
import type { Role } from '../store/types.ts';
import { withStore, type PortalCtx } from './context.ts';
import { newPassword } from './password-input.ts';

function nameArg(name: string | undefined): string {
  if (name === undefined) throw new UsageError('an account name is needed');
  if (!isAccountName(name)) throw new UsageError(`account name ${ACCOUNT_NAME_RULE}`);
  return name;
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
    const { password, generated } = await newPassword(Boolean(o.passwordStdin));
    const hash = await hashPassword(password);
    const added = await withStore(ctx, (s) => s.accounts.add({ name: n, role, hash, createdAt: now, updatedAt: now }));
    if (!added) throw new UsageError(`account ${n} exists already; change its password with tmsp-portal account passwd ${n}`);
    out.done({ account: n, role, ...(generated ? { password } : {}) },
      `account ${n} (${role}) added${generated ? `\npassword: ${password}\n(shown this once; the portal keeps only its hash)` : ''}`);
    return 0;
  }
  if (sub === 'passwd') {
    const n = nameArg(name);
    const { password, generated } = await newPassword(Boolean(o.passwordStdin));
    const hash = await hashPassword(password);
    if (!(await withStore(ctx, (s) => s.accounts.setHash(n, hash, now)))) throw new TmspError('E_NOT_FOUND', `no account ${n}`);
    out.done({ account: n, ...(generated ? { password } : {}) },
      `password of ${n} changed${generated ? `\npassword: ${password}\n(shown this once)` : ''}`);
    return 0;
  }
  if (sub === 'remove') {
    const n = nameArg(name);
    if (!(await withStore(ctx, (s) => s.accounts.remove(n)))) throw new TmspError('E_NOT_FOUND', `no account ${n}`);
    out.done({ account: n, removed: true }, `account ${n} removed; its appliances can no longer log in`);
    return 0;
  }
  throw new UsageError('account add|list|remove|passwd NAME');
}
