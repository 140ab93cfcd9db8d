import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * The ServiceNow incident opened for an escalated request (jobs/servicenow.jobs.ts): its number
 * (INC0010001), its record id (sys_id, 32 hex digits) and a link to it. Null for a request that
 * has none (never escalated, or ServiceNow not configured).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_requests').addColumn('incident_number', 'varchar(40)').execute();
  await db.schema.alterTable('password_requests').addColumn('incident_sys_id', 'varchar(64)').execute();
  await db.schema.alterTable('password_requests').addColumn('incident_url', 'varchar(500)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_requests').dropColumn('incident_url').execute();
  await db.schema.alterTable('password_requests').dropColumn('incident_sys_id').execute();
  await db.schema.alterTable('password_requests').dropColumn('incident_number').execute();
}
