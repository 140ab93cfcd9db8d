import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * The reset policy, shared by every instance on one database. `policy_versions` is append-only:
 * each row is one activation (from the policy file, the built-in default, a Confluence page or an
 * admin's PUT), and the newest row — by `activated_at`, then `id` — is the active policy. Rows are
 * never updated or deleted, so the table is also the history of who put which policy in force.
 * `policy_sync_events` records every attempt to read a policy source (ok or not, with the error
 * and its line numbers): the alerts behind `lastSync` in GET /api/v1/policy.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('policy_versions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('version', 'varchar(200)', (c) => c.notNull())
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .addColumn('source_ref', 'varchar(1000)', (c) => c.notNull())
    .addColumn('content_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('yaml', 'text', (c) => c.notNull())
    .addColumn('reference_text', 'text')
    .addColumn('activated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policy_versions_activated_idx').on('policy_versions').columns(['activated_at', 'id']).execute();
  await db.schema.createIndex('policy_versions_source_idx').on('policy_versions').columns(['source', 'activated_at']).execute();

  await db.schema
    .createTable('policy_sync_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .addColumn('source_ref', 'varchar(1000)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(20)', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('changed', 'integer', (c) => c.notNull())
    .addColumn('version', 'varchar(200)')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error', 'text')
    .addColumn('errors_json', 'text')
    .execute();
  await db.schema.createIndex('policy_sync_events_at_idx').on('policy_sync_events').columns(['at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('policy_sync_events').ifExists().execute();
  await db.schema.dropTable('policy_versions').ifExists().execute();
}
