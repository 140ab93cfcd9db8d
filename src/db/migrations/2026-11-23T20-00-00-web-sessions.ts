import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Web sign-in. `sign_in_attempts` holds what the OpenID callback checks (state, nonce, PKCE
 * verifier) between the redirect to the provider and the return, keyed by a hash of a random
 * cookie, so any instance can finish a sign-in another started. `web_sessions` are signed-in
 * browsers: like api_tokens, only a sha256 of the cookie value is stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_attempts')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('state', 'varchar(200)', (c) => c.notNull())
    .addColumn('nonce', 'varchar(200)', (c) => c.notNull())
    .addColumn('code_verifier', 'varchar(200)', (c) => c.notNull())
    .addColumn('return_to', 'varchar(2000)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_attempts_expires_idx').on('sign_in_attempts').column('expires_at').execute();

  await db.schema
    .createTable('web_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)')
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('id_token', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_sessions_expires_idx').on('web_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('web_sessions').ifExists().execute();
  await db.schema.dropTable('sign_in_attempts').ifExists().execute();
}
