import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Where each escalation episode was posted in Slack's approvers' channel: one message per
 * request and episode (`cycle`, the id of the Escalation audit event that opened it), so the
 * message can be updated once the request is decided, and a retry never posts a second one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('slack_approval_messages')
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull().references('password_requests.id'))
    .addColumn('cycle', 'varchar(64)', (c) => c.notNull())
    .addColumn('channel', 'varchar(100)', (c) => c.notNull())
    .addColumn('ts', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('slack_approval_messages_request_cycle_unique', ['request_id', 'cycle'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slack_approval_messages').ifExists().execute();
}
