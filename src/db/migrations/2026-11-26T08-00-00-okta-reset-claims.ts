import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Who may reset an Okta user's password now: one row per Okta user that resetdesk has reset,
 * held by one request from just before its reset call until its outcome is recorded, and the
 * time it was released (jobs/okta-reset.job.ts says why).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('okta_reset_claims')
    .addColumn('okta_user_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('evidence_after', 'varchar(32)', (c) => c.notNull())
    .addColumn('released_at', 'varchar(32)')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('okta_reset_claims').execute();
}
