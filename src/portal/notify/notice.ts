// What the fleet tells the notify room, and what the queue keeps of it. A
// queued message is rendered once, when it is sent: a reminder read a day
// late still says what was true when it was raised, and a restart delivers
// the same words.

export type NoticeKind = 'silent' | 'silent-reminder' | 'recovered' | 'not-uploading' | 'uploading-again' | 'dropping' | 'test';

export interface Notice {
  kind: NoticeKind;
  applianceId: string | null;
  hostname: string | null;
  product: string | null;
  model: string | null;
  account: string | null;
  /** When the notice was raised (ms). */
  at: number;
  lastHeartbeatAt: number | null;
  /** When the condition began (ms). */
  since: number | null;
  /** Why, in a few words: "last will received", "spool holds 1,234 records, oldest 2 h". */
  detail: string;
  /** Addresses beyond notify.to, e.g. the appliance's registration e-mail (used when notify.registrationEmail). */
  recipients: string[];
}

/** The text a person reads. */
export interface Rendered {
  subject: string;
  text: string;
  html?: string;
}

/** One queued message (its JSON is the queue row's body): the notice as rendered, where it goes, and its link. */
export interface Outgoing extends Rendered, Omit<Notice, 'recipients'> {
  /** E-mail only: the envelope's recipients, fixed when the notice was sent. */
  to?: string[];
  /** The appliance's page, or the portal's when the notice concerns no appliance. */
  url: string;
}

/**
 * A delivery's outcome. Refused means retrying the same message cannot help
 * (a 4xx answer, a refused recipient): it is dropped, counted and logged.
 * retryAfterMs is the peer's own wish (Retry-After), never shorter than our backoff.
 */
export type Delivery =
  | { ok: true; note?: string }
  | { ok: false; refused: boolean; error: string; retryAfterMs?: number };

/** A channel: the same shape for e-mail and webhook, so a third is one more file. */
export interface Channel {
  deliver(m: Outgoing, id: number, signal: AbortSignal): Promise<Delivery>;
  close(): void;
}
