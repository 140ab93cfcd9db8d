import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Chat conversations (Slack, Teams). `conversations` holds one per thread or direct message —
 * (channel, external_key) is unique, so two first messages arriving at once cannot start two —
 * with the state of the questions asked so far (JSON) and the request it filed. Its messages,
 * both ways, are kept in `conversation_messages` with the request they belong to, so a request
 * shows the conversation that led to it and went on after it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('channel', 'varchar(20)', (c) => c.notNull())
    .addColumn('external_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('requester', 'varchar(320)', (c) => c.notNull())
    .addColumn('state_json', 'text', (c) => c.notNull())
    .addColumn('request_id', 'varchar(64)', (c) => c.references('password_requests.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('conversations_channel_key_unique', ['channel', 'external_key'])
    .execute();

  await db.schema
    .createTable('conversation_messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id'))
    .addColumn('request_id', 'varchar(64)', (c) => c.references('password_requests.id'))
    .addColumn('direction', 'varchar(3)', (c) => c.notNull())
    .addColumn('author', 'varchar(320)', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_messages_request_idx')
    .on('conversation_messages')
    .columns(['request_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('conversation_messages_conversation_idx')
    .on('conversation_messages')
    .columns(['conversation_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('conversation_messages').ifExists().execute();
  await db.schema.dropTable('conversations').ifExists().execute();
}
