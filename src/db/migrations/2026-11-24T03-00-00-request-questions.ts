import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * What a Waiting request waits for, and what finding duplicates needs:
 * - question*: the open question to the requester ("Did you mean …?" from triage, or an
 *   approver's "return for more information"), its candidates (JSON array of app names), who
 *   asked, when, and its id (the audit event, the email and the waiting timer carry it);
 * - question_rounds: how many times triage asked about the app, so a requester who never names
 *   a catalog app is eventually denied instead of asked forever;
 * - return_group: the approver group a returned request goes back to when the answer arrives;
 * - app_key: the app's match key (trimmed, spaces collapsed, lower case), so "a second identical
 *   open request" and the reset cooldown compare apps the way the catalog does.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('password_requests').addColumn('question', 'text').execute();
  await db.schema.alterTable('password_requests').addColumn('question_reason', 'varchar(40)').execute();
  await db.schema.alterTable('password_requests').addColumn('question_candidates_json', 'text').execute();
  await db.schema.alterTable('password_requests').addColumn('question_asked_by', 'varchar(320)').execute();
  await db.schema.alterTable('password_requests').addColumn('question_asked_at', 'varchar(40)').execute();
  await db.schema.alterTable('password_requests').addColumn('question_id', 'varchar(64)').execute();
  await db.schema
    .alterTable('password_requests')
    .addColumn('question_rounds', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('password_requests').addColumn('return_group', 'varchar(200)').execute();
  await db.schema
    .alterTable('password_requests')
    .addColumn('app_key', 'varchar(200)', (c) => c.notNull().defaultTo(''))
    .execute();
  // Close enough for old rows (inner runs of spaces are rare); new rows get the exact key.
  await sql`update password_requests set app_key = lower(trim(app))`.execute(db);
  await db.schema
    .createIndex('password_requests_duplicate_idx')
    .on('password_requests')
    .columns(['requester', 'app_key', 'status'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('password_requests_duplicate_idx').ifExists().execute();
  for (const column of [
    'app_key',
    'return_group',
    'question_rounds',
    'question_id',
    'question_asked_at',
    'question_asked_by',
    'question_candidates_json',
    'question_reason',
    'question',
  ]) {
    await db.schema.alterTable('password_requests').dropColumn(column).execute();
  }
}
