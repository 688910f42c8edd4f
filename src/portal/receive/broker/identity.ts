// Who a logged-in MQTT client is: an account (an appliance's, the same
// accounts as the log servers) or the portal's own subscriber.

import crypto from 'node:crypto';

export type Who = { kind: 'account'; account: string } | { kind: 'internal'; user: string };

/**
 * Compare a given secret with the expected one in constant time. Both are
 * hashed first, so neither the contents nor the length of the expected one
 * shows in the time taken.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}
