// What an account name and password may be. Both are what the agent's
// tmsp.username and tmsp.password accept (printable ASCII, no ":" in the
// name), narrowed where the portal needs it: the name is also a directory
// name and an MQTT user, so it keeps to letters, digits and "._@-".

export const ACCOUNT_NAME_RULE = 'must be 1-64 characters of letters, digits, ".", "_", "@" or "-", not starting with "."';
export const PASSWORD_RULE = 'must be 8-128 printable ASCII characters';

export function isAccountName(s: string): boolean {
  return /^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,63}$/.test(s);
}

export function isAccountPassword(s: string): boolean {
  return s.length >= 8 && s.length <= 128 && /^[\x20-\x7e]*$/.test(s);
}
