// What a page is given and what it gives back: pages read the store and
// render; the server (../server.ts) does everything HTTP.

import type { Store } from '../../store/store.ts';

export interface View {
  store: Store;
  now: number;
  query: URLSearchParams;
  /** The signed-in admin and the token their forms carry. */
  user: string;
  csrf: string;
  /** The running portal's counters, ports and fingerprints (the fleet page's About box). */
  facts?: () => Record<string, unknown>;
  /** The zone reports are made in (reports.timeZone): the calendar's days are its days. */
  reportTimeZone: string;
}

export interface Rendered {
  status: number;
  html: string;
}

/** A file to save rather than a page to show (a report's PDF). */
export interface Download {
  status: 200;
  body: Buffer;
  type: string;
  /** Letters, digits and ".-_" only: it goes into Content-Disposition as it is. */
  filename: string;
}
