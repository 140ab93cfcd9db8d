import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Makes the Audit Log tamper-evident (docs/operations.md, "Audit log integrity"):
 * - seq: the chain's order, 1, 2, 3, … (unique, no gaps); prev_hash and hash: SHA-256 (hex) of the
 *   canonical JSON of the event and the previous event's hash. Existing rows are chained in
 *   (created_at, id) order — the order the log was read in until now — so an upgraded database
 *   verifies from the first event;
 * - the per-request index follows seq, the order the log is now read in;
 * - triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on audit_events. They stop
 *   mistakes and the application's own database role; an owner or superuser can disable them,
 *   which is what the chain is for.
 * The columns are NOT NULL; on SQLite, which adds a NOT NULL column only with a default, the
 * defaults (seq 0, empty hashes) stay and never verify, so a row inserted around resetdesk shows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema
    .alterTable('audit_events')
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('audit_events')
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('audit_events')
    .addColumn('hash', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();

  await chainExistingRows(db);

  if (postgres) {
    // The application always writes all three; no default may stand in for one.
    for (const column of ['seq', 'prev_hash', 'hash'])
      await db.schema
        .alterTable('audit_events')
        .alterColumn(column, (c) => c.dropDefault())
        .execute();
  }
  await db.schema.createIndex('audit_events_seq_idx').on('audit_events').column('seq').unique().execute();
  await db.schema.dropIndex('audit_events_request_idx').execute();
  await db.schema.createIndex('audit_events_request_seq_idx').on('audit_events').columns(['request_id', 'seq']).execute();

  if (postgres) {
    await sql`
      create function audit_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only: % refused', tg_op
          using hint = 'The audit log is hash-chained; see docs/operations.md, "Audit log integrity".';
      end
      $$`.execute(db);
    await sql`
      create trigger audit_events_no_update_delete before update or delete on audit_events
      for each row execute function audit_events_append_only()`.execute(db);
    await sql`
      create trigger audit_events_no_truncate before truncate on audit_events
      for each statement execute function audit_events_append_only()`.execute(db);
  } else {
    await sql`
      create trigger audit_events_no_update before update on audit_events
      begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(db);
    await sql`
      create trigger audit_events_no_delete before delete on audit_events
      begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger if exists audit_events_no_truncate on audit_events`.execute(db);
    await sql`drop trigger if exists audit_events_no_update_delete on audit_events`.execute(db);
    await sql`drop function if exists audit_events_append_only()`.execute(db);
  } else {
    await sql`drop trigger if exists audit_events_no_delete`.execute(db);
    await sql`drop trigger if exists audit_events_no_update`.execute(db);
  }
  await db.schema.dropIndex('audit_events_request_seq_idx').ifExists().execute();
  await db.schema.createIndex('audit_events_request_idx').on('audit_events').columns(['request_id', 'id']).execute();
  await db.schema.dropIndex('audit_events_seq_idx').ifExists().execute();
  for (const column of ['hash', 'prev_hash', 'seq']) await db.schema.alterTable('audit_events').dropColumn(column).execute();
}

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

const PAGE = 1000;

/** Chains the rows already there, a page at a time, in the order the log was read until now. */
async function chainExistingRows(db: Kysely<any>): Promise<void> {
  let seq = 0;
  let prevHash = '0'.repeat(64);
  let after: { created_at: string; id: string } | undefined;
  for (;;) {
    let query = db
      .selectFrom('audit_events')
      .select(['id', 'request_id', 'actor', 'event_type', 'details_json', 'created_at'])
      .orderBy('created_at')
      .orderBy('id')
      .limit(PAGE);
    if (after) {
      const { created_at, id } = after;
      query = query.where((eb) =>
        eb.or([eb('created_at', '>', created_at), eb.and([eb('created_at', '=', created_at), eb('id', '>', id)])]),
      );
    }
    const rows: { id: string; request_id: string; actor: string; event_type: string; details_json: string; created_at: string }[] =
      await query.execute();
    for (const row of rows) {
      seq++;
      const hash = sha256(
        canonicalJson({
          seq,
          id: row.id,
          request_id: row.request_id,
          actor: row.actor,
          event_type: row.event_type,
          details: JSON.parse(row.details_json),
          created_at: row.created_at,
          prev_hash: prevHash,
        }),
      );
      await db.updateTable('audit_events').set({ seq, prev_hash: prevHash, hash }).where('id', '=', row.id).execute();
      prevHash = hash;
    }
    if (rows.length < PAGE) return;
    after = rows.at(-1);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Frozen copy of canonicalJson in src/domain/audit-chain.ts: sorted keys, no whitespace. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
