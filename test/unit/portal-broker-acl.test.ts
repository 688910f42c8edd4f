// The status server's rules (src/portal/receive/broker/acl.ts): an account
// publishes and subscribes only for the appliances it owns, the first to name
// an unowned id owns it, and anything that is not an appliance's topic is
// refused. The packet size bound (frames.ts) reads fixed headers only.

import { describe, expect, it } from 'vitest';
import { Acl, APPLIANCE_ID, internalMaySubscribe, publishTarget, subscribeTarget, type ApplianceOwners } from '../../src/portal/receive/broker/acl.ts';
import { PacketSizes } from '../../src/portal/receive/broker/frames.ts';
import { topics } from '../../src/protocol/topics.ts';

function owners(initial: Record<string, string> = {}): ApplianceOwners & { map: Map<string, string>; claims: number } {
  const map = new Map(Object.entries(initial));
  return {
    map, claims: 0,
    ownerOf: (id) => map.get(id),
    claim(id, account) {
      this.claims++;
      const o = map.get(id);
      if (o !== undefined && o !== account) return false;
      map.set(id, account);
      return true;
    },
  };
}

describe('what an account may publish', () => {
  it('its own appliance\'s status, heartbeat and registration: the topics the agent uses', () => {
    const acl = new Acl(owners({ 'tda-01': 'acme' }));
    for (const t of Object.values(topics('tda-01'))) expect(acl.publish('acme', t)).toEqual({ ok: true, applianceId: 'tda-01' });
  });

  it('claims an unowned appliance for the first account that names it, then refuses every other account', () => {
    const o = owners();
    const acl = new Acl(o);
    expect(acl.publish('acme', 'tmsp/v1/new-01/status').ok).toBe(true);
    expect(o.map.get('new-01')).toBe('acme');
    const refused = acl.publish('globex', 'tmsp/v1/new-01/heartbeat');
    expect(refused).toEqual({ ok: false, reason: 'appliance new-01 belongs to another account' });
    expect(acl.subscribe('globex', 'tmsp/v1/new-01/#').ok).toBe(false);
    expect(o.map.get('new-01')).toBe('acme');
  });

  it('loses a race for a new id cleanly: claim() decides, the loser is refused', () => {
    // ownerOf says unowned, but another account's claim lands first.
    const o: ApplianceOwners = { ownerOf: () => undefined, claim: () => false };
    expect(new Acl(o).publish('acme', 'tmsp/v1/race/status')).toMatchObject({ ok: false });
  });

  it('refuses a new appliance to an account that owns as many as it may, and says so', () => {
    // The portal's claim() refuses past fleet.maxAppliancesPerAccount; the id stays unowned.
    const o: ApplianceOwners = { ownerOf: () => undefined, claim: () => false };
    expect(new Acl(o).publish('acme', 'tmsp/v1/one-too-many/status'))
      .toEqual({ ok: false, reason: 'account acme owns as many appliances as it may' });
  });

  it('nothing else: other leaves, more or fewer levels, other roots, wildcards, $SYS', () => {
    const o = owners({ 'tda-01': 'acme' });
    const acl = new Acl(o);
    for (const t of [
      'tmsp/v1/tda-01/commands', 'tmsp/v1/tda-01/status/x', 'tmsp/v1/tda-01', 'tmsp/v1/tda-01/', 'tmsp/v1//status',
      'tmsp/v2/tda-01/status', 'tmsp/v1', 'TMSP/v1/tda-01/status', '/tmsp/v1/tda-01/status', 'x/tmsp/v1/tda-01/status',
      'tmsp/v1/+/status', 'tmsp/v1/#', 'tmsp/v1/tda-01/#', 'tmsp/v1/tda-01/+', '$SYS/broker/heartbeat', '',
    ]) {
      expect(acl.publish('acme', t).ok, t).toBe(false);
    }
    expect(o.claims).toBe(0);
  });

  it('appliance ids by the agent\'s rule (letters, digits, . _ -, not starting with a dot, at most 64)', () => {
    const ok = ['a', 'A9', '_x', '-x', 'tda.01', 'x'.repeat(64)];
    const bad = ['.x', '..', 'x'.repeat(65), 'a b', 'a+b', 'a#b', 'ä', 'a/b', 'a\u0000'];
    for (const id of ok) expect(APPLIANCE_ID.test(id) && publishTarget(`tmsp/v1/${id}/status`).ok, id).toBe(true);
    for (const id of bad) expect(publishTarget(`tmsp/v1/${id}/status`).ok, id).toBe(false);
  });
});

describe('what an account may subscribe to', () => {
  it('one of its appliances: a leaf, + or #', () => {
    const acl = new Acl(owners({ 'tda-01': 'acme' }));
    for (const f of ['tmsp/v1/tda-01/status', 'tmsp/v1/tda-01/registration', 'tmsp/v1/tda-01/+', 'tmsp/v1/tda-01/#']) {
      expect(acl.subscribe('acme', f), f).toEqual({ ok: true, applianceId: 'tda-01' });
    }
  });

  it('never a wildcard in the appliance\'s place, nor anything outside one appliance', () => {
    const o = owners({ 'tda-01': 'acme' });
    const acl = new Acl(o);
    for (const f of ['#', '+/#', 'tmsp/#', 'tmsp/v1/#', 'tmsp/v1/+/status', 'tmsp/v1/+/#', 'tmsp/+/tda-01/status',
      'tmsp/v1/tda-01/status/#', 'tmsp/v1/tda-01/commands', '$SYS/#', 'tmsp/v1/tda-01']) {
      expect(acl.subscribe('acme', f).ok, f).toBe(false);
    }
    expect(o.claims).toBe(0);
  });

  it('claims an unowned appliance like a publish does', () => {
    const o = owners();
    expect(new Acl(o).subscribe('acme', 'tmsp/v1/tda-02/#').ok).toBe(true);
    expect(o.map.get('tda-02')).toBe('acme');
    expect(subscribeTarget('tmsp/v1/tda-02/#')).toEqual({ ok: true, applianceId: 'tda-02' });
  });
});

describe('the portal\'s own subscriber', () => {
  it('reads anything inside tmsp/v1/, nothing outside it', () => {
    for (const f of ['tmsp/v1/#', 'tmsp/v1/+/status', 'tmsp/v1/+/+', 'tmsp/v1/tda-01/#']) expect(internalMaySubscribe(f), f).toBe(true);
    for (const f of ['#', '+/v1/#', 'tmsp/#', 'tmsp/+/#', '$SYS/#', 'tmsp/v1', 'other/#']) expect(internalMaySubscribe(f), f).toBe(false);
  });
});

describe('the packet size bound', () => {
  /** A packet of `body` bytes after its fixed header (type byte + Remaining Length). */
  function packet(body: number): Buffer {
    const len: number[] = [];
    let n = body;
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      len.push(b);
    } while (n > 0);
    return Buffer.concat([Buffer.from([0x30, ...len]), Buffer.alloc(body, 0x61)]);
  }

  it('lets packets up to the limit through, however the stream is cut', () => {
    const stream = Buffer.concat([packet(0), packet(10), packet(125), packet(1000 - 3), packet(200)]);
    expect(packet(1000 - 3).length).toBe(1000);
    for (const step of [1, 2, 3, 7, 64, stream.length]) {
      const s = new PacketSizes(1000);
      for (let i = 0; i < stream.length; i += step) expect(s.feed(stream.subarray(i, i + step)), `step ${step}`).toBe(true);
    }
  });

  it('refuses the first packet over the limit at its header, before its body', () => {
    const s = new PacketSizes(1000);
    expect(s.feed(packet(100))).toBe(true);
    expect(s.feed(packet(1000 - 2).subarray(0, 3))).toBe(false);
    expect(new PacketSizes(64 * 1024).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toBe(false); // 256 MiB announced
  });

  it('refuses a Remaining Length of more than four bytes', () => {
    expect(new PacketSizes(Number.MAX_SAFE_INTEGER).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(false);
  });
});
