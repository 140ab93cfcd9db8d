import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * The catalog learns from Okta (`resetdesk apps sync`): each app keeps what Okta last said about
 * it (label, sign-on mode, status and when that status was first seen), aliases get their own
 * table (one unique key across the catalog settles clashes on both dialects), and every sync that
 * changed something leaves one row in app_sync_runs with the changes it made.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('okta_label', 'varchar(200)').execute();
  await db.schema.alterTable('apps').addColumn('okta_sign_on_mode', 'varchar(40)').execute();
  await db.schema.alterTable('apps').addColumn('okta_status', 'varchar(20)').execute();
  await db.schema.alterTable('apps').addColumn('okta_status_at', 'varchar(32)').execute();
  await db.schema.alterTable('apps').addColumn('okta_synced_at', 'varchar(32)').execute();

  await db.schema
    .createTable('app_aliases')
    .addColumn('alias_key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('alias', 'varchar(200)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('app_aliases_app_idx').on('app_aliases').columns(['app_id', 'position']).execute();

  await db.schema
    .createTable('app_sync_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(20)', (c) => c.notNull())
    .addColumn('actor', 'varchar(320)', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('updated', 'integer', (c) => c.notNull())
    .addColumn('flagged', 'integer', (c) => c.notNull())
    .addColumn('unchanged', 'integer', (c) => c.notNull())
    .addColumn('changes_json', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('app_sync_runs').execute();
  await db.schema.dropTable('app_aliases').execute();
  for (const column of ['okta_synced_at', 'okta_status_at', 'okta_status', 'okta_sign_on_mode', 'okta_label']) {
    await db.schema.alterTable('apps').dropColumn(column).execute();
  }
}
