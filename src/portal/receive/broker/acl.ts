// Who may publish and subscribe where on the status server. An account
// speaks only for the appliances it owns, and the first account to name an
// unowned appliance id owns it from then on: without that, any account could
// mark another's appliance offline or feed it heartbeats, and the fleet view
// would believe it. The portal's own subscriber reads everything under the
// root and publishes nothing. Pure rules: the broker asks, this answers.

import { APPLIANCE_ID, TOPIC_ROOT } from '../../../protocol/topics.ts';

/** The agent's rule for `appliance.id`, from the protocol both keep: anything else cannot be an appliance. */
export { APPLIANCE_ID };

/** What an appliance publishes under tmsp/v1/<id>/ (protocol/topics.ts). */
export const LEAVES: ReadonlySet<string> = new Set(['status', 'heartbeat', 'registration']);

/** Which account owns which appliance id (the store keeps it; the broker only asks and claims). */
export interface ApplianceOwners {
  ownerOf(applianceId: string): string | undefined;
  /** Make `account` the owner of an unowned id (true when it already is); false when another account owns it, or the account may own no more. */
  claim(applianceId: string, account: string): boolean;
}

export type Verdict = { ok: true; applianceId: string } | { ok: false; reason: string };

const ROOT_LEVELS = TOPIC_ROOT.split('/').length;

/** The levels after tmsp/v1/, or undefined for a topic outside it. */
function below(topic: string): string[] | undefined {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return undefined;
  return topic.split('/').slice(ROOT_LEVELS);
}

/** The appliance id a publish topic is for, or the reason it is not an appliance's topic. */
export function publishTarget(topic: string): Verdict {
  const rest = below(topic);
  if (!rest || rest.length !== 2 || !LEAVES.has(rest[1]!)) {
    return { ok: false, reason: `not a topic an appliance publishes (${TOPIC_ROOT}/<id>/status|heartbeat|registration)` };
  }
  // The id rule has no wildcard characters: "+" or "#" in a publish is refused here too.
  if (!APPLIANCE_ID.test(rest[0]!)) return { ok: false, reason: 'not a valid appliance id' };
  return { ok: true, applianceId: rest[0]! };
}

/**
 * The appliance a subscription filter is confined to: tmsp/v1/<id>/<leaf>,
 * tmsp/v1/<id>/+ or tmsp/v1/<id>/#. A wildcard in the id's place would read
 * other accounts' appliances.
 */
export function subscribeTarget(filter: string): Verdict {
  const rest = below(filter);
  const leafOk = rest && rest.length === 2 && (LEAVES.has(rest[1]!) || rest[1] === '+' || rest[1] === '#');
  if (!rest || !leafOk) return { ok: false, reason: `not a filter on one appliance (${TOPIC_ROOT}/<id>/<leaf>, + or #)` };
  if (!APPLIANCE_ID.test(rest[0]!)) return { ok: false, reason: 'not a valid appliance id' };
  return { ok: true, applianceId: rest[0]! };
}

/** The portal's subscriber: any filter inside tmsp/v1/ (its first levels literal), nothing outside, no $SYS. */
export function internalMaySubscribe(filter: string): boolean {
  return below(filter) !== undefined;
}

export class Acl {
  private readonly owners: ApplianceOwners;

  constructor(owners: ApplianceOwners) {
    this.owners = owners;
  }

  /** May `account` publish to `topic`? Claims an unowned appliance for it. */
  publish(account: string, topic: string): Verdict {
    return this.own(account, publishTarget(topic));
  }

  /** May `account` subscribe to `filter`? Claims an unowned appliance for it. */
  subscribe(account: string, filter: string): Verdict {
    return this.own(account, subscribeTarget(filter));
  }

  private own(account: string, target: Verdict): Verdict {
    if (!target.ok) return target;
    const id = target.applianceId;
    const owner = this.owners.ownerOf(id);
    if (owner === account) return target;
    // claim() decides a race between two accounts naming the same new id: one wins.
    if (owner === undefined && this.owners.claim(id, account)) return target;
    if (this.owners.ownerOf(id) === undefined) return { ok: false, reason: `account ${account} owns as many appliances as it may` };
    return { ok: false, reason: `appliance ${id} belongs to another account` };
  }
}
