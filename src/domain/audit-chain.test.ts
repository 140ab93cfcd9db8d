import { describe, expect, it } from 'vitest';
import { type ChainRecord, canonicalJson, eventHash, GENESIS_HASH, parseAnchor, verifyChain } from './audit-chain.js';

/** A valid chain of `n` events, built the way appendAuditEvent builds it. */
function chain(n: number): ChainRecord[] {
  const out: ChainRecord[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      seq,
      id: `evt_${seq}`,
      requestId: `req_${seq % 3}`,
      actor: 'resetdesk',
      eventType: 'Tool Call',
      detailsJson: JSON.stringify({ tool: 'okta.findUser', args: { login: `u${seq}@example.com` }, ok: true }),
      createdAt: new Date(Date.UTC(2026, 10, 24, 0, 0, seq)).toISOString(),
      prevHash: out.at(-1)?.hash ?? GENESIS_HASH,
    };
    out.push({ ...fields, hash: eventHash(fields) });
  }
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1}');
  });

  it('gives one text for one value, whatever the key order', () => {
    expect(canonicalJson(JSON.parse('{"x": 1, "y": {"q": 2, "p": 3}}'))).toBe(canonicalJson({ y: { p: 3, q: 2 }, x: 1 }));
  });

  it('escapes strings as JSON does and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ 'k"': 'line\nbreak \u2028 é' })).toBe('{"k\\"":"line\\nbreak \u2028 é"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

describe('eventHash', () => {
  const fields = chain(1)[0]!;

  it('is SHA-256 hex, and stable (a change here needs a migration that re-chains the log)', () => {
    expect(fields.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...fields, detailsJson: '{ "ok": true, "args": {"login":"u1@example.com"}, "tool": "okta.findUser" }' })).toBe(
      fields.hash,
    );
    expect(
      eventHash({
        seq: 1,
        id: 'evt_1',
        requestId: 'req_1',
        actor: 'a',
        eventType: 'Message',
        detailsJson: '{}',
        createdAt: '2026-11-24T00:00:00.000Z',
        prevHash: GENESIS_HASH,
      }),
      // = sha256 of {"actor":"a","created_at":"2026-11-24T00:00:00.000Z","details":{},"event_type":"Message",
      //   "id":"evt_1","prev_hash":"000…000","request_id":"req_1","seq":1} (checked with sha256sum)
    ).toBe('cee7c17f4df3897e8476658e37532cf1add4d60772071291877b7a171389df05');
  });

  it('changes with every hashed field', () => {
    for (const change of [
      { seq: 2 },
      { id: 'evt_x' },
      { requestId: 'req_x' },
      { actor: 'mallory' },
      { eventType: 'Approval' },
      { detailsJson: '{"ok":false}' },
      { createdAt: '2026-11-24T00:00:02.000Z' },
      { prevHash: 'f'.repeat(64) },
    ]) {
      expect(eventHash({ ...fields, ...change }), JSON.stringify(change)).not.toBe(fields.hash);
    }
  });
});

describe('verifyChain', () => {
  it('finds an intact chain intact, with its count and head', async () => {
    const events = chain(5);
    expect(await verifyChain(events)).toEqual({ ok: true, count: 5, head: { seq: 5, id: 'evt_5', hash: events[4]!.hash } });
    expect(await verifyChain([])).toEqual({ ok: true, count: 0, head: null });
  });

  it('names an edited event (hash mismatch), or one whose details are no longer JSON', async () => {
    const events = chain(5);
    events[2] = { ...events[2]!, actor: 'mallory' };
    expect(await verifyChain(events)).toEqual({
      ok: false,
      checked: 2,
      broken: expect.objectContaining({ kind: 'hash_mismatch', seq: 3, id: 'evt_3' }),
    });
    events[2] = { ...chain(5)[2]!, detailsJson: '{broken' };
    const verdict = await verifyChain(events);
    expect(verdict.ok || verdict.broken.message).toContain('not valid JSON');
  });

  it('names the event after a deletion (seq gap)', async () => {
    const events = chain(5);
    events.splice(1, 2);
    expect(await verifyChain(events)).toMatchObject({ ok: false, checked: 1, broken: { kind: 'seq_gap', seq: 4, id: 'evt_4' } });
  });

  it('names the first of two swapped events (reordered: prev_hash mismatch)', async () => {
    const events = chain(5);
    // Swap the seq numbers of events 3 and 4, then read in seq order.
    const swapped = [events[0]!, events[1]!, { ...events[3]!, seq: 3 }, { ...events[2]!, seq: 4 }, events[4]!];
    expect(await verifyChain(swapped)).toMatchObject({
      ok: false,
      checked: 2,
      broken: { kind: 'prev_hash_mismatch', seq: 3, id: 'evt_4' },
    });
  });

  it('names a deleted first event, a forged row and a row inserted around resetdesk', async () => {
    const events = chain(3);
    expect(await verifyChain(events.slice(1))).toMatchObject({ ok: false, broken: { kind: 'seq_gap', seq: 2 } });
    const forged = { ...events[2]!, seq: 4, id: 'evt_forged', prevHash: events[2]!.hash, hash: 'a'.repeat(64) };
    expect(await verifyChain([...events, forged])).toMatchObject({
      ok: false,
      checked: 3,
      broken: { kind: 'hash_mismatch', id: 'evt_forged' },
    });
    const sneaked = { ...events[0]!, seq: 0, id: 'evt_sneaked', prevHash: '', hash: '' };
    expect(await verifyChain([sneaked, ...events])).toMatchObject({ ok: false, checked: 0, broken: { kind: 'seq_out_of_place', seq: 0 } });
  });

  it('with an anchor, catches a truncated tail and a rebuilt chain', async () => {
    const events = chain(5);
    const anchor = { seq: 4, hash: events[3]!.hash };
    expect(await verifyChain(events, anchor)).toMatchObject({ ok: true, count: 5 });
    expect(await verifyChain(events.slice(0, 3), anchor)).toMatchObject({
      ok: false,
      checked: 3,
      broken: { kind: 'truncated', seq: 4, id: null },
    });
    expect(
      await verifyChain(
        chain(5).map((e) => ({ ...e })),
        { seq: 2, hash: 'b'.repeat(64) },
      ),
    ).toMatchObject({
      ok: false,
      broken: { kind: 'anchor_mismatch', seq: 2 },
    });
  });

  it('reads async iterables (a paged repository reader)', async () => {
    async function* paged() {
      yield* chain(4);
    }
    expect(await verifyChain(paged())).toMatchObject({ ok: true, count: 4 });
  });
});

describe('parseAnchor', () => {
  it('reads SEQ:HASH as verify prints it, and nothing else', () => {
    const hash = 'ab'.repeat(32);
    expect(parseAnchor(`12:${hash}`)).toEqual({ seq: 12, hash });
    expect(parseAnchor(` 12:${hash.toUpperCase()} `)).toEqual({ seq: 12, hash });
    for (const bad of ['', '12', `0:${hash}`, `-1:${hash}`, `1.5:${hash}`, `12:${hash.slice(1)}`, `12:${hash}:x`, `x:${hash}`]) {
      expect(parseAnchor(bad), bad).toBeUndefined();
    }
  });
});
