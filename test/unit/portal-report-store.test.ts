// A report's period and scope is claimed in the store before it is made:
// of two portals on one store (two connections to one file), exactly one
// gets each claim, and a claim given up can be taken again. In both stores.

import { describe, expect, it } from 'vitest';
import { BACKENDS, freshStore, storePlace } from '../helpers/stores.ts';

const claimOf = (by: string, firstDay: string, scope = '*') => ({
  type: 'daily' as const, firstDay, lastDay: firstDay, scope, timeZone: 'Europe/Berlin', claimedAt: Date.now(), claimedBy: by,
});

describe.each(BACKENDS)('report claims (%s)', (kind) => {
  it('go to exactly one of two portals on one store, per period and scope', async () => {
    const place = await storePlace(kind);
    const a = await place.open();
    const b = await place.open();
    const days = Array.from({ length: 20 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const won = await Promise.all(days.flatMap((d) => [a.reports.claim(claimOf('a', d)), b.reports.claim(claimOf('b', d))]));
    for (let i = 0; i < days.length; i++) expect([won[2 * i], won[2 * i + 1]].filter(Boolean), days[i]).toHaveLength(1);
    // Another scope (an account) is another report.
    expect(await b.reports.claim(claimOf('b', '2026-11-01', 'acme'))).toMatchObject({ scope: 'acme' });
    const first = (await a.reports.get('daily', '2026-11-01', '*'))!;
    await a.reports.made(first.id, '{"version":1}', 5);
    expect(await b.reports.get('daily', '2026-11-01', '*')).toMatchObject({ madeAt: 5, model: '{"version":1}' });
    expect((await b.reports.list('2026-11-01', '2026-11-30')).every((r) => r.model === null)).toBe(true);
    expect(await b.reports.list('2026-11-01', '2026-11-30')).toHaveLength(21);
    await a.close();
    await b.close();
  });

  it('given up (the making failed) can be taken again; a made one cannot be given up', async () => {
    const s = await freshStore(kind);
    const c = (await s.reports.claim(claimOf('a', '2026-11-02')))!;
    expect(await s.reports.claim(claimOf('b', '2026-11-02'))).toBeUndefined();
    await s.reports.release(c.id);
    const again = (await s.reports.claim(claimOf('b', '2026-11-02')))!;
    expect(again.claimedBy).toBe('b');
    await s.reports.made(again.id, '{}', 1);
    await s.reports.release(again.id);
    expect(await s.reports.get('daily', '2026-11-02', '*')).toMatchObject({ claimedBy: 'b', madeAt: 1 });
    await s.close();
  });
});
