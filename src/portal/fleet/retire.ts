// An appliance taken out of service: never judged or notified again, its
// open alerts closed without a notice. The running fleet reads the state
// from the store, so the CLI retires an appliance while the portal runs.

import type { Store } from '../store/store.ts';
import type { AlertKind } from '../store/types.ts';

const KINDS: AlertKind[] = ['silent', 'not-uploading', 'dropping'];

export async function retireAppliance(store: Store, id: string, now: number): Promise<boolean> {
  if (!(await store.appliances.get(id))) return false;
  await store.appliances.setState(id, 'retired', now);
  for (const kind of KINDS) {
    const al = await store.alerts.current(id, kind);
    if (al) await store.alerts.close(al.id, now);
  }
  return true;
}
