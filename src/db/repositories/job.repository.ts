import { type Expression, sql } from 'kysely';
import { now as clockNow, nowIso, nowMs } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';
import type { JobRow } from '../schema.js';

export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  /** The side effect's identity: a second enqueue with the same key is ignored. */
  idempotencyKey: string;
  /** When the job falls due (a durable timer); default now, by the clock in time.ts. */
  runAt?: Date;
  maxAttempts?: number;
  /**
   * Whose work this is, for fair claiming (see claimDueJobs): a value, or an expression the
   * insert evaluates (e.g. a subquery reading a request's requester). Default: none.
   */
  fairKey?: string | Expression<string | null> | null;
}

/** Enqueues a job unless one with the same idempotency key exists; returns whether it was new. */
export async function enqueueJob(db: Db, job: NewJob): Promise<boolean> {
  // One clock reading: a job to run at once has run_at = created_at (countOpenJobs relies on it).
  const at = clockNow();
  const now = at.toISOString();
  const result = await db
    .insertInto('jobs')
    .values({
      id: newId('job'),
      kind: job.kind,
      payload_json: JSON.stringify(job.payload),
      idempotency_key: job.idempotencyKey,
      status: 'pending',
      max_attempts: job.maxAttempts ?? 10,
      run_at: (job.runAt ?? at).toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
      fair_key: job.fairKey ?? null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Which kinds a claim may take (a worker's lanes, see jobs/worker.ts): only these, or all but these. */
export type KindFilter = { only: readonly string[] } | { except: readonly string[] };

/**
 * Claims up to `limit` due jobs for `workerId`. A job is due when pending and its run_at has
 * passed, or when running but its lease expired (the worker that held it crashed). Each claim
 * is a conditional update, so two instances never run the same job at once.
 *
 * Fair: due jobs are taken round-robin across fair keys (requesters), so one requester's backlog
 * cannot delay everyone else. A job's turn is its rank among its key's due jobs (oldest run_at
 * first) plus the number of that key's jobs already running on any instance; ties go to the
 * older run_at. So a requester with nothing in flight goes ahead of one whose jobs hold the
 * slots, even when a single slot frees up at a time, and a lone backlog still gets every slot.
 */
export async function claimDueJobs(
  db: Db,
  workerId: string,
  opts: { limit: number; leaseMs: number; dialect?: 'sqlite' | 'postgres'; kinds?: KindFilter },
): Promise<JobRow[]> {
  if (opts.limit <= 0 || (opts.kinds && 'only' in opts.kinds && opts.kinds.only.length === 0)) return [];
  if (opts.dialect === 'postgres') return claimDueJobsSkipLocked(db, workerId, opts);
  const now = clockNow();
  const nowText = now.toISOString();
  // Extra candidates make up for claims lost to another instance.
  const wanted = opts.limit * 2;
  const candidates = await db
    .with('due', (qc) =>
      qc
        .selectFrom('jobs')
        .select(['id', 'status', 'locked_until', 'run_at', 'fair_key'])
        // A job without a fair key is a lane of its own.
        .select(sql<number>`row_number() over (partition by coalesce(fair_key, id) order by run_at, id)`.as('rn'))
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', nowText)]),
            eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowText)]),
          ]),
        )
        .$call((qb) => {
          const kinds = opts.kinds;
          if (!kinds) return qb;
          if ('only' in kinds) return qb.where('kind', 'in', [...kinds.only]);
          return kinds.except.length > 0 ? qb.where('kind', 'not in', [...kinds.except]) : qb;
        }),
    )
    .with('busy', (qc) =>
      qc
        .selectFrom('jobs')
        .select((eb) => ['fair_key', eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'running')
        .where('locked_until', '>=', nowText)
        .where('fair_key', 'is not', null)
        .groupBy('fair_key'),
    )
    .selectFrom('due')
    .leftJoin('busy', 'busy.fair_key', 'due.fair_key')
    .select(['due.id', 'due.status', 'due.locked_until'])
    .where('due.rn', '<=', wanted)
    .orderBy(sql`due.rn + coalesce(busy.n, 0)`)
    .orderBy('due.run_at')
    .orderBy('due.id')
    .limit(wanted)
    .execute();

  const claimed: JobRow[] = [];
  const lockedUntil = new Date(now.getTime() + opts.leaseMs).toISOString();
  for (const c of candidates) {
    if (claimed.length >= opts.limit) break;
    let q = db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: workerId,
        locked_until: lockedUntil,
        attempts: eb('attempts', '+', 1),
        updated_at: nowText,
      }))
      .where('id', '=', c.id)
      .where('status', '=', c.status);
    q = c.locked_until === null ? q.where('locked_until', 'is', null) : q.where('locked_until', '=', c.locked_until);
    // RETURNING (SQLite >= 3.35 and PostgreSQL) hands back the claimed row in the same round trip.
    const row = await q.returningAll().executeTakeFirst();
    if (row) claimed.push(row);
  }
  return claimed;
}

/**
 * PostgreSQL's claim: the same fair order as above, in one statement. `FOR UPDATE SKIP LOCKED`
 * passes over the rows another instance is claiming at this moment instead of waiting for them
 * or losing a race for them, so instances polling together each get different jobs and none
 * comes back empty-handed while work is due. The due condition is checked again on the locked
 * row: a row another instance claimed and committed since this statement began no longer
 * qualifies.
 */
async function claimDueJobsSkipLocked(
  db: Db,
  workerId: string,
  opts: { limit: number; leaseMs: number; kinds?: KindFilter },
): Promise<JobRow[]> {
  const now = clockNow();
  const nowText = now.toISOString();
  const lockedUntil = new Date(now.getTime() + opts.leaseMs).toISOString();
  // Candidates in fair order, enough that instances claiming at the same moment (each skipping
  // the others' rows) still find their share; ranking them all costs no more than ranking few.
  const wanted = Math.max(opts.limit * 16, 128);
  const due = sql`((j.status = 'pending' and j.run_at <= ${nowText}) or (j.status = 'running' and j.locked_until < ${nowText}))`;
  const kinds = opts.kinds;
  const ofKind =
    kinds === undefined
      ? sql`true`
      : 'only' in kinds
        ? sql`j.kind in (${sql.join(kinds.only.map((k) => sql`${k}`))})`
        : kinds.except.length > 0
          ? sql`j.kind not in (${sql.join(kinds.except.map((k) => sql`${k}`))})`
          : sql`true`;
  const result = await sql<JobRow & { claim_turn: string | number }>`
    with due as (
      select j.id, j.run_at, j.fair_key,
             row_number() over (partition by coalesce(j.fair_key, j.id) order by j.run_at, j.id) as rn
      from jobs j
      where ${due} and ${ofKind}
    ),
    busy as (
      select fair_key, count(*) as n from jobs
      where status = 'running' and locked_until >= ${nowText} and fair_key is not null
      group by fair_key
    ),
    ranked as (
      select due.id, due.run_at, due.rn + coalesce(busy.n, 0) as turn
      from due left join busy on busy.fair_key = due.fair_key
      where due.rn <= ${wanted}
      order by turn, due.run_at, due.id
      limit ${wanted}
    ),
    picked as (
      select j.id, r.turn, r.run_at from jobs j join ranked r on r.id = j.id
      where ${due}
      order by r.turn, r.run_at, r.id
      limit ${opts.limit}
      for update of j skip locked
    )
    update jobs set status = 'running', locked_by = ${workerId}, locked_until = ${lockedUntil},
      attempts = jobs.attempts + 1, updated_at = ${nowText}
    from picked where jobs.id = picked.id
    returning jobs.*, picked.turn as claim_turn`.execute(db);
  // UPDATE … RETURNING hands rows back in no particular order: put them in turn order again.
  const ordered = result.rows.sort(
    (a, b) => Number(a.claim_turn) - Number(b.claim_turn) || a.run_at.localeCompare(b.run_at) || a.id.localeCompare(b.id),
  );
  return ordered.map(({ claim_turn: _turn, ...job }) => job);
}

/**
 * Extends the lease of a running job; false when this worker no longer holds it (its lease
 * expired and another instance claimed the job).
 */
export async function renewLease(db: Db, id: string, workerId: string, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ locked_until: new Date(nowMs() + leaseMs).toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Ends the leases `workerId` holds now (a shutdown that could not wait for its jobs): the jobs
 * stay running, with a lease that has expired, so the next claim by any instance takes them
 * over at once. Returns how many.
 */
export async function releaseLeases(db: Db, workerId: string): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ locked_until: new Date(nowMs() - 1).toISOString() })
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks a job done; only the worker holding the lease may. */
export async function completeJob(db: Db, id: string, workerId: string): Promise<void> {
  const now = nowIso();
  await db
    .updateTable('jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, finished_at: now, updated_at: now, last_error: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Puts a job back for another attempt after `delayMs`, or fails it for good. */
export async function releaseJob(
  db: Db,
  id: string,
  workerId: string,
  outcome: { error: string; retryInMs: number | null },
): Promise<void> {
  const now = clockNow();
  await db
    .updateTable('jobs')
    .set(
      outcome.retryInMs === null
        ? {
            status: 'failed',
            locked_by: null,
            locked_until: null,
            last_error: outcome.error,
            finished_at: now.toISOString(),
            updated_at: now.toISOString(),
          }
        : {
            status: 'pending',
            locked_by: null,
            locked_until: null,
            last_error: outcome.error,
            run_at: new Date(now.getTime() + outcome.retryInMs).toISOString(),
            updated_at: now.toISOString(),
          },
    )
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}

export async function getJobByKey(db: Db, idempotencyKey: string): Promise<JobRow | null> {
  return (await db.selectFrom('jobs').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst()) ?? null;
}

export async function listJobs(db: Db, filter: { status?: JobStatus; kind?: string } = {}): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  return q.orderBy('created_at').execute();
}

/**
 * How many jobs the worker still owes work now (tests and the scenario runner wait for quiet):
 * running ones, pending ones that are due, and pending ones waiting out a retry backoff. A timer
 * set for later that was never attempted (an escalation reminder) is not open until it falls
 * due by the clock (time.ts), so waiting for quiet never waits for it. A job enqueued to run at
 * once (run_at = created_at) is open whatever the clock says: the clock is read when the query
 * is built, and on PostgreSQL another connection may enqueue such a job, stamped later, and
 * finish the job that enqueued it before this count's snapshot — by the clock alone the count
 * would see neither, and report quiet with work outstanding.
 */
export async function countOpenJobs(db: Db): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      eb.or([
        eb('status', '=', 'running'),
        eb.and([
          eb('status', '=', 'pending'),
          eb.or([eb('run_at', '<=', nowIso()), eb('attempts', '>', 0), eb('run_at', '<=', eb.ref('created_at'))]),
        ]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Removes `field` from a job's payload (a sealed password once its email is sent or can never be
 * sent): nothing of it stays in the jobs table.
 */
export async function dropPayloadField(db: Db, id: string, field: string): Promise<void> {
  const row = await db.selectFrom('jobs').select('payload_json').where('id', '=', id).executeTakeFirst();
  if (!row) return;
  const payload = JSON.parse(row.payload_json) as Record<string, unknown>;
  if (!(field in payload)) return;
  delete payload[field];
  await db
    .updateTable('jobs')
    .set({ payload_json: JSON.stringify(payload), updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
}

/**
 * Puts a job its handler deferred (jobs/worker.ts DeferJob) back to pending for `waitMs`. The
 * claim counted an attempt; the wait raises max_attempts by one so it costs the job none of its
 * retries, and the job stays open (attempts > 0) for countOpenJobs.
 */
export async function deferJob(db: Db, id: string, workerId: string, waitMs: number): Promise<void> {
  const now = clockNow();
  await db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'pending',
      locked_by: null,
      locked_until: null,
      max_attempts: eb('max_attempts', '+', 1),
      run_at: new Date(now.getTime() + waitMs).toISOString(),
      updated_at: now.toISOString(),
    }))
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}
