import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * password_requests.reset_confirmed_at: when the user set a new password after an approved Okta
 * reset, as Okta's System Log shows it (the after-reset watcher); null while unknown, and for
 * every other kind of request.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_requests').addColumn('reset_confirmed_at', 'varchar(40)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_requests').dropColumn('reset_confirmed_at').execute();
}
