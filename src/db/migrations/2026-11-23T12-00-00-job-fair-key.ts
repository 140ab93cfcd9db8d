import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * jobs.fair_key: whose work a job is (the request's requester), so the worker can share its
 * slots between requesters instead of draining one requester's backlog first. NULL = a lane of
 * its own. The index serves the claim's per-key count of jobs in flight and per-key lookups.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('fair_key', 'varchar(320)').execute();
  await db.schema.createIndex('jobs_fair_key_idx').on('jobs').columns(['status', 'fair_key', 'run_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jobs_fair_key_idx').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('fair_key').execute();
}
