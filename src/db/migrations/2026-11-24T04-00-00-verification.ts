import type { Kysely } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * Verifying the requester before a reset:
 * - password_requests.verification_level: the proof the request needs because of its channel,
 *   fixed when it is filed ('none', 'any_factor', 'auto', 'push'); triage may raise it;
 * - verified_at: when the requester proved possession of a factor (null: not yet);
 * - verification_json: the challenge in progress (factors on offer, the push transaction,
 *   failures and timeouts so far) and challenge_id, its round (a stale poll matches nothing);
 * - web_sessions.mfa: whether the sign-in's ID token showed a second factor (`amr`), which
 *   decides the web channel's level.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('password_requests')
    .addColumn('verification_level', 'varchar(20)', (c) => c.notNull().defaultTo('none'))
    .execute();
  await db.schema.alterTable('password_requests').addColumn('verified_at', 'varchar(40)').execute();
  await db.schema.alterTable('password_requests').addColumn('verification_json', 'text').execute();
  await db.schema.alterTable('password_requests').addColumn('challenge_id', 'varchar(64)').execute();
  await db.schema
    .alterTable('web_sessions')
    .addColumn('mfa', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('web_sessions').dropColumn('mfa').execute();
  for (const column of ['challenge_id', 'verification_json', 'verified_at', 'verification_level']) {
    await db.schema.alterTable('password_requests').dropColumn(column).execute();
  }
}
