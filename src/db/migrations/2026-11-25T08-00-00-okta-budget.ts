import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Okta's rate budget, shared by every instance on one database: per bucket, the newest window
 * any instance saw (Okta's X-Rate-Limit-Reset, epoch seconds), its limit, and how many calls of
 * it the instances have been granted, and the probes announced for the window after it (when no
 * instance knows the current one: who probes, until when the others wait for it). Created on SQLite too (one schema), where one instance
 * runs and nothing reads it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('okta_budget')
    .addColumn('bucket', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('window_reset', 'bigint')
    .addColumn('rate_limit', 'integer')
    .addColumn('granted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('probes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('probe_by', 'varchar(64)')
    .addColumn('probe_until', 'bigint')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('okta_budget').execute();
}
