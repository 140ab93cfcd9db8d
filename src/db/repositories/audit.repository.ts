import { PostgresAdapter, sql } from 'kysely';
import { type ChainAnchor, type ChainRecord, type ChainVerdict, eventHash, GENESIS_HASH, verifyChain } from '../../domain/audit-chain.js';
import type { AuditEventType } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

export interface AuditEvent {
  eventId: string;
  requestId: string;
  actor: string;
  eventType: AuditEventType;
  details: Record<string, unknown>;
  createdAt: string;
}

/** An event as the chain holds it: what `resetdesk audit export` writes, one per line. */
export interface ChainedAuditEvent extends AuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

/*
 * The Audit Log is append-only: there is no update or delete here on purpose (and triggers refuse
 * both, see the audit-chain migration). Each event is chained to the one before it
 * (src/domain/audit-chain.ts), so appending reads the chain's head and inserts after it, and two
 * appends must never read the same head:
 * - PostgreSQL: a transaction-level advisory lock, taken before the head is read, serialises
 *   appenders across connections and instances until commit. The read is a separate statement
 *   after the lock, so under READ COMMITTED (the only level resetdesk uses) it sees the head the
 *   previous holder committed. The unique index on seq is the backstop: a fork cannot commit.
 * - SQLite: better-sqlite3 under Kysely's SqliteDialect is one connection behind a mutex that a
 *   transaction holds until it ends, so within a process nothing interleaves with a transaction's
 *   read-then-insert; another process writing the same file in between makes the insert fail
 *   (busy snapshot or the unique seq), never fork the chain.
 * - Once a transaction has read the head it keeps it (nobody else can append until it ends), so
 *   its further appends skip the read.
 * - Callers may start several appends on one Db without awaiting each (toolCallLog does, and
 *   every request's triage appends on the same root Db): they are queued per Db object, in call
 *   order, which is also the order they get in the chain. Appends that arrive while an earlier
 *   batch is being written go together as the next batch — one transaction, one lock, one head
 *   read and one insert for all of them — which keeps the chain lock from becoming the queue
 *   every decision waits in (measured with `npm run bench`, docs/benchmarks.md).
 * - Outside a transaction each batch gets a transaction of its own.
 */

/** The two-int4 advisory key ('RSDK', 'AUDT'): the two-key space never meets the one-key locks elsewhere. */
const CHAIN_LOCK = sql`select pg_advisory_xact_lock(1381188683, 1096107092)`;

/** Rows per INSERT statement: 9 parameters each, far below SQLite's and PostgreSQL's limits. */
const INSERT_CHUNK = 200;

type Fields = Omit<ChainRecord, 'seq' | 'prevHash' | 'hash'>;
type Head = { seq: number; hash: string };

/** Per Db: the batch still taking appends (not yet started), and the end of the queue. */
const pending = new WeakMap<Db, Fields[]>();
const queues = new WeakMap<Db, Promise<unknown>>();
/** Transactions that hold the chain lock (it lasts until they end), with the head they wrote last. */
const heads = new WeakMap<Db, Head>();

export function appendAuditEvent(
  db: Db,
  event: {
    requestId: string;
    actor: string;
    eventType: AuditEventType;
    details: Record<string, unknown>;
    /** When it happened, if earlier than the append (a call recorded and written later); never after. */
    createdAt?: string;
  },
): Promise<AuditEvent> {
  // Id and time are taken when the append is called (or the time given, which is earlier), so
  // they follow call order like seq does.
  const fields: Fields = {
    id: newId('evt'),
    requestId: event.requestId,
    actor: event.actor,
    eventType: event.eventType,
    detailsJson: JSON.stringify(event.details),
    createdAt: event.createdAt ?? nowIso(),
  };
  return enqueue(db, fields).then(() => ({
    eventId: fields.id,
    requestId: fields.requestId,
    actor: fields.actor,
    eventType: event.eventType,
    details: event.details,
    createdAt: fields.createdAt,
  }));
}

/** Joins the batch that has not started yet, or opens the next one behind the queue. */
function enqueue(db: Db, fields: Fields): Promise<void> {
  const open = pending.get(db);
  if (open) {
    open.push(fields);
    return queues.get(db) as Promise<void>;
  }
  const batch = [fields];
  pending.set(db, batch);
  const write = async () => {
    // From here on the batch is closed: later appends open the next one.
    if (pending.get(db) === batch) pending.delete(db);
    if (db.isTransaction) await appendChained(db, batch);
    else await db.transaction().execute((trx) => appendChained(trx, batch));
  };
  const done = (queues.get(db) ?? Promise.resolve()).then(write, write);
  queues.set(db, done);
  return done;
}

async function appendChained(trx: Db, batch: Fields[]): Promise<void> {
  let head = heads.get(trx) ?? (await lockAndReadHead(trx));
  const rows = batch.map((fields) => {
    const seq = head.seq + 1;
    const prevHash = head.hash;
    const hash = eventHash({ ...fields, seq, prevHash });
    head = { seq, hash };
    return {
      id: fields.id,
      request_id: fields.requestId,
      actor: fields.actor,
      event_type: fields.eventType,
      details_json: fields.detailsJson,
      created_at: fields.createdAt,
      seq,
      prev_hash: prevHash,
      hash,
    };
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await trx
      .insertInto('audit_events')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  heads.set(trx, head);
}

/** A transaction's first append: the chain lock (PostgreSQL), then the head it appends after. */
async function lockAndReadHead(trx: Db): Promise<Head> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) await CHAIN_LOCK.execute(trx);
  const row = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return { seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS_HASH };
}

export async function listAuditEvents(db: Db, requestId: string): Promise<AuditEvent[]> {
  const rows = await db.selectFrom('audit_events').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
  return rows.map((r) => ({
    eventId: r.id,
    requestId: r.request_id,
    actor: r.actor,
    eventType: r.event_type as AuditEventType,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

/**
 * The whole log in chain order, as stored, read a page at a time so a large log is never in
 * memory at once. `since` (inclusive) and `until` (exclusive) filter on created_at (ISO-8601 UTC).
 * Pages are separate reads: events appended meanwhile simply join the end.
 */
export async function* readAuditChain(
  db: Db,
  opts: { since?: string; until?: string; pageSize?: number } = {},
): AsyncGenerator<ChainRecord> {
  const pageSize = opts.pageSize ?? 1000;
  let after: number | undefined;
  for (;;) {
    let query = db.selectFrom('audit_events').selectAll().orderBy('seq').limit(pageSize);
    if (after !== undefined) query = query.where('seq', '>', after);
    if (opts.since !== undefined) query = query.where('created_at', '>=', opts.since);
    if (opts.until !== undefined) query = query.where('created_at', '<', opts.until);
    const rows = await query.execute();
    for (const r of rows) {
      yield {
        seq: r.seq,
        id: r.id,
        requestId: r.request_id,
        actor: r.actor,
        eventType: r.event_type,
        detailsJson: r.details_json,
        createdAt: r.created_at,
        prevHash: r.prev_hash,
        hash: r.hash,
      };
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return;
    after = last.seq;
  }
}

/** Walks the whole chain from seq 1: intact (count, head) or the first broken event. */
export function verifyAuditLog(db: Db, anchor?: ChainAnchor): Promise<ChainVerdict> {
  return verifyChain(readAuditChain(db), anchor);
}

/** A stored event as the export writes it (details parsed; text that is not JSON is kept as text). */
export function toChainedAuditEvent(r: ChainRecord): ChainedAuditEvent {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(r.detailsJson) as Record<string, unknown>;
  } catch {
    details = { unparsable: r.detailsJson };
  }
  return {
    eventId: r.id,
    seq: r.seq,
    requestId: r.requestId,
    actor: r.actor,
    eventType: r.eventType as AuditEventType,
    details,
    createdAt: r.createdAt,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** The id of the request's latest Escalation event: its current (or last) escalation episode. */
export async function latestEscalationId(db: Db, requestId: string): Promise<string | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('id')
    .where('request_id', '=', requestId)
    .where('event_type', '=', 'Escalation')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
