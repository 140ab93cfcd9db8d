import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: never import application code here; later changes get a new migration.

/**
 * On PostgreSQL, every statement that adds jobs notifies the channel `resetdesk_jobs` when its
 * transaction commits, so every instance's worker (jobs/job-notify.ts listens) claims new work at
 * once instead of at its next poll — including work enqueued by an `api`-role instance that runs
 * no worker. Per statement, not per row: a batch wakes the workers once. SQLite has no such
 * thing; its instances poll.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    create or replace function resetdesk_jobs_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('resetdesk_jobs', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger jobs_notify after insert on jobs for each statement execute function resetdesk_jobs_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger if exists jobs_notify on jobs`.execute(db);
  await sql`drop function if exists resetdesk_jobs_notify()`.execute(db);
}

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
