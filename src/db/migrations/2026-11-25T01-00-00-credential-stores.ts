import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Credential stores. `apps.store` names the store that resets the app's password (`okta`,
 * `swa-link`, or one declared in STORES_FILE); null lets the sign-on mode decide, as before.
 * `password_requests.store` is the store the request's decision chose, so an approval later
 * hands the reset to the same store even if the catalog changed meanwhile. The two
 * `external_*` columns record an external executor's callback: when it came, and its message.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('store', 'varchar(64)').execute();
  await db.schema.alterTable('password_requests').addColumn('store', 'varchar(64)').execute();
  await db.schema.alterTable('password_requests').addColumn('external_result_at', 'varchar(40)').execute();
  await db.schema.alterTable('password_requests').addColumn('external_message', 'varchar(1000)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_requests').dropColumn('external_message').execute();
  await db.schema.alterTable('password_requests').dropColumn('external_result_at').execute();
  await db.schema.alterTable('password_requests').dropColumn('store').execute();
  await db.schema.alterTable('apps').dropColumn('store').execute();
}
