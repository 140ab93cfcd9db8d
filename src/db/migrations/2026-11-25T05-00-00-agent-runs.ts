import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * One row per run of the optional LLM agent, whatever its outcome (a proposal, none, or a failed
 * call): the model, the tokens it was billed, how long it took, and the conversation it read —
 * and the request, once that conversation files one. The dashboard sums them over a window
 * (created_at) and takes latency percentiles by ordering within it (created_at, latency_ms).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('agent_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id'))
    .addColumn('request_id', 'varchar(64)', (c) => c.references('password_requests.id'))
    .addColumn('model', 'varchar(200)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(20)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
    .addColumn('completion_tokens', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('rejected_calls', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_runs_created_latency_idx').on('agent_runs').columns(['created_at', 'latency_ms']).execute();
  await db.schema.createIndex('agent_runs_request_idx').on('agent_runs').columns(['request_id', 'created_at']).execute();
  await db.schema.createIndex('agent_runs_conversation_idx').on('agent_runs').columns(['conversation_id', 'request_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('agent_runs').ifExists().execute();
}
