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
}

export interface Rendered {
  status: number;
  html: string;
}
