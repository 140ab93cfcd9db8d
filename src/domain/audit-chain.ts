import { createHash } from 'node:crypto';

/*
 * The Audit Log's hash chain. Every event carries `seq` (1, 2, 3, … with no gaps: the chain's
 * order), `prev_hash` (the hash of event seq-1; GENESIS_HASH for seq 1) and `hash`: SHA-256, in
 * hex, of the canonical JSON of the event's fields and prev_hash. Editing an event changes its
 * hash; deleting, inserting or reordering events breaks a seq or a prev_hash link. The chain has
 * no secret key: whoever can write the database and knows this file can rebuild a consistent
 * chain from any point on, so verifying against a head recorded elsewhere (an anchor, or a SIEM
 * that received the export) is what catches a rewritten tail.
 *
 * The migration that chained the existing rows has a frozen copy of canonicalJson and the hashed
 * fields: change neither here without a new migration that re-chains the log.
 */

/** prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** One event as stored: the hashed fields, plus the stored hash. details_json is the stored text. */
export interface ChainRecord {
  seq: number;
  id: string;
  requestId: string;
  actor: string;
  eventType: string;
  detailsJson: string;
  createdAt: string;
  prevHash: string;
  hash: string;
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no whitespace: the same
 * value always gives the same text, whatever order its keys were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
}

/**
 * The hash of one event. `details` is hashed as parsed JSON, canonicalised, so the chain does not
 * depend on how a database or a driver spells the stored text (key order, spaces).
 * Throws SyntaxError when detailsJson is not JSON.
 */
export function eventHash(record: Omit<ChainRecord, 'hash'>): string {
  const canonical = canonicalJson({
    seq: record.seq,
    id: record.id,
    request_id: record.requestId,
    actor: record.actor,
    event_type: record.eventType,
    details: JSON.parse(record.detailsJson) as unknown,
    created_at: record.createdAt,
    prev_hash: record.prevHash,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** What is wrong with the first event that does not fit the chain. */
type ChainBreakKind =
  /** Its hash is not the hash of its fields: the event was edited (or forged). */
  | 'hash_mismatch'
  /** Its prev_hash is not the previous event's hash: an event before it was reordered, replaced or rewritten. */
  | 'prev_hash_mismatch'
  /** seq skips numbers: events were deleted. */
  | 'seq_gap'
  /** seq is below the next number (0, negative): a row inserted around resetdesk. */
  | 'seq_out_of_place'
  /** The event at the anchor's seq does not have the anchor's hash: the chain was rebuilt. */
  | 'anchor_mismatch'
  /** The chain ends before the anchor's seq: events at the end were deleted. */
  | 'truncated';

interface ChainBreak {
  kind: ChainBreakKind;
  /** The first broken event's seq (for `truncated`, the first missing seq). */
  seq: number;
  /** The first broken event's id (null for `truncated`: there is no event). */
  id: string | null;
  /** One sentence saying what is wrong and what it means. */
  message: string;
}

/** A recorded head: the chain must contain an event with this seq and hash. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; count: number; head: { seq: number; id: string; hash: string } | null }
  | { ok: false; checked: number; broken: ChainBreak };

/**
 * Checks events one at a time, in seq order, and stops at the first that does not fit. Stateful
 * so a caller can feed it pages of a large log without holding the log in memory.
 */
function chainWalker(anchor?: ChainAnchor) {
  let count = 0;
  let prev: { seq: number; id: string; hash: string } | null = null;

  const check = (r: ChainRecord): ChainBreak | undefined => {
    const expected = (prev?.seq ?? 0) + 1;
    const at = { seq: r.seq, id: r.id };
    if (r.seq > expected) {
      const missing = r.seq - expected;
      return {
        kind: 'seq_gap',
        ...at,
        message: `seq jumps from ${expected - 1} to ${r.seq}: ${missing} event(s) before it were deleted`,
      };
    }
    if (r.seq < expected) {
      return {
        kind: 'seq_out_of_place',
        ...at,
        message: `seq ${r.seq} is not the next in the chain (${expected}): a row inserted around resetdesk`,
      };
    }
    const prevHash = prev?.hash ?? GENESIS_HASH;
    if (r.prevHash !== prevHash) {
      const before = prev ? `event seq ${prev.seq} (${prev.id})` : 'the start of the chain';
      return {
        kind: 'prev_hash_mismatch',
        ...at,
        message: `prev_hash does not match the hash of ${before}: events were reordered, replaced or rewritten`,
      };
    }
    let hash: string;
    try {
      hash = eventHash(r);
    } catch {
      return { kind: 'hash_mismatch', ...at, message: 'details_json is not valid JSON: the event was edited after it was written' };
    }
    if (hash !== r.hash) {
      return {
        kind: 'hash_mismatch',
        ...at,
        message: 'hash does not match the event: the event was edited after it was written, or forged',
      };
    }
    if (anchor && r.seq === anchor.seq && r.hash !== anchor.hash) {
      return {
        kind: 'anchor_mismatch',
        ...at,
        message: `hash differs from the recorded anchor ${anchor.hash}: the chain was rebuilt up to here`,
      };
    }
    return undefined;
  };

  return {
    /** The break this event shows, if any; after a break, stop feeding. */
    next(r: ChainRecord): ChainBreak | undefined {
      const broken = check(r);
      if (!broken) {
        count++;
        prev = { seq: r.seq, id: r.id, hash: r.hash };
      }
      return broken;
    },
    /** The verdict once every event was fed without a break. */
    finish(): ChainVerdict {
      if (anchor && count < anchor.seq) {
        const seq = count + 1;
        return {
          ok: false,
          checked: count,
          broken: {
            kind: 'truncated',
            seq,
            id: null,
            message: `the chain ends at seq ${count} but the anchor records seq ${anchor.seq}: events from seq ${seq} on were deleted`,
          },
        };
      }
      return { ok: true, count, head: prev };
    },
    get checked(): number {
      return count;
    },
  };
}

/** Walks a whole chain (any iterable, e.g. a repository's paged reader) to its verdict. */
export async function verifyChain(
  records: Iterable<ChainRecord> | AsyncIterable<ChainRecord>,
  anchor?: ChainAnchor,
): Promise<ChainVerdict> {
  const walker = chainWalker(anchor);
  for await (const r of records) {
    const broken = walker.next(r);
    if (broken) return { ok: false, checked: walker.checked, broken };
  }
  return walker.finish();
}

/** An anchor as written on the command line: `SEQ:HASH`. Undefined when it is not one. */
export function parseAnchor(text: string): ChainAnchor | undefined {
  const [seq, hash, extra] = text.trim().toLowerCase().split(':');
  if (extra !== undefined || !seq || !hash || !/^[1-9]\d{0,14}$/.test(seq) || !/^[0-9a-f]{64}$/.test(hash)) return undefined;
  return { seq: Number(seq), hash };
}
