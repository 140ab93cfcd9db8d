import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('okta_app_id', 'varchar(64)')
    .addColumn('reset_url', 'text')
    .addColumn('reset_method', 'varchar(20)', (c) => c.notNull().defaultTo('auto'))
    .addColumn('sensitive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('approver_group', 'varchar(200)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('password_requests')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('requester', 'varchar(320)', (c) => c.notNull())
    .addColumn('app', 'varchar(200)', (c) => c.notNull())
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('target_user', 'varchar(320)')
    .addColumn('channel', 'varchar(20)', (c) => c.notNull())
    .addColumn('submitted_by', 'varchar(320)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('resolution', 'varchar(20)')
    .addColumn('priority', 'varchar(10)', (c) => c.notNull())
    .addColumn('decision', 'varchar(20)')
    .addColumn('rationale', 'text')
    .addColumn('rule_id', 'varchar(64)')
    .addColumn('policy_version', 'varchar(64)')
    .addColumn('reset_method', 'varchar(20)')
    .addColumn('okta_user_id', 'varchar(64)')
    .addColumn('okta_app_id', 'varchar(64)')
    .addColumn('manual_decision', 'varchar(20)')
    .addColumn('decided_by', 'varchar(320)')
    .addColumn('decision_comment', 'text')
    .addColumn('next_owner', 'varchar(200)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('decided_at', 'varchar(32)')
    .addColumn('closed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('password_requests_status_idx').on('password_requests').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('password_requests_requester_idx').on('password_requests').columns(['requester', 'created_at']).execute();

  await db.schema
    .createTable('decisions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull().references('password_requests.id'))
    .addColumn('date', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'varchar(10)', (c) => c.notNull())
    .addColumn('decision_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('decisions_request_idx').on('decisions').columns(['request_id', 'date']).execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull().references('password_requests.id'))
    .addColumn('actor', 'varchar(320)', (c) => c.notNull())
    .addColumn('event_type', 'varchar(20)', (c) => c.notNull())
    .addColumn('details_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_request_idx').on('audit_events').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('label', 'varchar(200)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('revoked_at', 'varchar(32)')
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('locked_by', 'varchar(100)')
    .addColumn('locked_until', 'varchar(32)')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['status', 'run_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['jobs', 'api_tokens', 'audit_events', 'decisions', 'password_requests', 'apps']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
