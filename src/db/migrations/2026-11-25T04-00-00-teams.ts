import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Microsoft Teams: where each conversation the bot has heard from lives (its Bot Connector
 * service URL and tenant, from a validated activity), so status lines and card updates can be
 * written there later; and where each escalation episode's approval card was posted (one per
 * request and episode, so a retry never posts a second and the card can be updated once decided).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teams_conversations')
    .addColumn('conversation_id', 'varchar(1000)', (c) => c.primaryKey())
    .addColumn('service_url', 'varchar(2000)', (c) => c.notNull())
    .addColumn('tenant_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('conversation_type', 'varchar(50)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('teams_approval_cards')
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull().references('password_requests.id'))
    .addColumn('cycle', 'varchar(64)', (c) => c.notNull())
    .addColumn('conversation_id', 'varchar(1000)', (c) => c.notNull())
    .addColumn('activity_id', 'varchar(500)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('teams_approval_cards_request_cycle_unique', ['request_id', 'cycle'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('teams_approval_cards').ifExists().execute();
  await db.schema.dropTable('teams_conversations').ifExists().execute();
}
