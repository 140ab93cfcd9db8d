import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../database.js';
import type { Database } from '../schema.js';

/** How a request of the window ended up, for the dashboard: its status, or the one it was closed from. */
export const STAT_OUTCOMES = ['Completed', 'Rejected', 'Escalated', 'PendingExternal', 'Other'] as const;
export type StatOutcome = (typeof STAT_OUTCOMES)[number];

type RequestsEb = ExpressionBuilder<Database, 'password_requests'>;

/** The status a request stands at, looking through Closed to the status it was closed from. */
const effectiveStatus = (eb: RequestsEb) => eb.case().when('status', '=', 'Closed').then(eb.ref('resolution')).else(eb.ref('status')).end();

/** effectiveStatus folded into the dashboard's outcomes (Failed, Cancelled and the open ones are Other). */
const outcome = (eb: RequestsEb) =>
  eb
    .case()
    .when(effectiveStatus(eb), 'in', ['Completed', 'Rejected', 'Escalated', 'PendingExternal'])
    .then(effectiveStatus(eb))
    .else(sql.lit('Other'))
    .end();

/** Requests filed since `since`, counted by UTC day (YYYY-MM-DD) and outcome. */
export async function countRequestsByDayAndOutcome(db: Db, since: string): Promise<{ day: string; outcome: StatOutcome; count: number }[]> {
  // Grouped over a derived table: PostgreSQL would not match the CASE's bound parameters across clauses.
  const rows = await db
    .selectFrom((qb) =>
      qb
        .selectFrom('password_requests')
        .select((eb) => [sql<string>`substr(created_at, 1, 10)`.as('day'), outcome(eb).as('outcome')])
        .where('created_at', '>=', since)
        .as('r'),
    )
    .select((eb) => ['r.day', 'r.outcome', eb.fn.countAll<number | string>().as('n')])
    .groupBy(['r.day', 'r.outcome'])
    .execute();
  return rows.map((r) => ({ day: r.day, outcome: r.outcome as StatOutcome, count: Number(r.n) }));
}

/** Requests filed since `since` that the policy alone resolved (no human decision; Completed or Rejected). */
export async function countAutomaticResolutions(db: Db, since: string): Promise<number> {
  const row = await db
    .selectFrom('password_requests')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('created_at', '>=', since)
    .where('manual_decision', 'is', null)
    .where((eb) => eb(effectiveStatus(eb), 'in', ['Completed', 'Rejected']))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When each finished request (Completed or Rejected) filed since `since` was filed and resolved. */
export async function listResolutionTimes(db: Db, since: string): Promise<{ createdAt: string; resolvedAt: string }[]> {
  const rows = await db
    .selectFrom('password_requests')
    .select((eb) => ['created_at', eb.fn.coalesce('closed_at', 'decided_at').as('resolved_at')])
    .where('created_at', '>=', since)
    .where((eb) => eb(effectiveStatus(eb), 'in', ['Completed', 'Rejected']))
    .where((eb) => eb.or([eb('closed_at', 'is not', null), eb('decided_at', 'is not', null)]))
    .execute();
  return rows.flatMap((r) => (r.resolved_at ? [{ createdAt: r.created_at, resolvedAt: r.resolved_at }] : []));
}

/** Age buckets of the open escalations, by the time they were escalated. */
export const ESCALATION_AGE_BUCKETS = ['under4h', 'h4to24', 'd1to3', 'over3d'] as const;
export type EscalationAgeBucket = (typeof ESCALATION_AGE_BUCKETS)[number];

/** Requests waiting for an approver now, counted by how long they have waited (thresholds are ISO times). */
export async function countOpenEscalationsByAge(
  db: Db,
  thresholds: { h4: string; h24: string; d3: string },
): Promise<{ bucket: EscalationAgeBucket; count: number }[]> {
  const rows = await db
    .selectFrom((qb) =>
      qb
        .selectFrom('password_requests')
        .select((eb) => {
          const since = eb.fn.coalesce('decided_at', 'created_at');
          return eb
            .case()
            .when(since, '>', thresholds.h4)
            .then(sql.lit('under4h'))
            .when(since, '>', thresholds.h24)
            .then(sql.lit('h4to24'))
            .when(since, '>', thresholds.d3)
            .then(sql.lit('d1to3'))
            .else(sql.lit('over3d'))
            .end()
            .as('bucket');
        })
        .where('status', '=', 'Escalated')
        .as('e'),
    )
    .select((eb) => ['e.bucket', eb.fn.countAll<number | string>().as('n')])
    .groupBy('e.bucket')
    .execute();
  return rows.map((r) => ({ bucket: r.bucket as EscalationAgeBucket, count: Number(r.n) }));
}

/** The apps asked for most since `since`, most first (ties by name). */
export async function countTopApps(db: Db, since: string, limit: number): Promise<{ app: string; count: number }[]> {
  const rows = await db
    .selectFrom('password_requests')
    .select((eb) => ['app', eb.fn.countAll<number | string>().as('n')])
    .where('created_at', '>=', since)
    .groupBy('app')
    .orderBy('n', 'desc')
    .orderBy('app')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ app: r.app, count: Number(r.n) }));
}

/** Rejected requests filed since `since`, by the rule that decided them (most first). */
export async function countDenialsByRule(db: Db, since: string): Promise<{ ruleId: string | null; count: number }[]> {
  const rows = await db
    .selectFrom('password_requests')
    .select((eb) => ['rule_id', eb.fn.countAll<number | string>().as('n')])
    .where('created_at', '>=', since)
    .where((eb) => eb(effectiveStatus(eb), '=', 'Rejected'))
    .groupBy('rule_id')
    .orderBy('n', 'desc')
    .orderBy('rule_id')
    .execute();
  return rows.map((r) => ({ ruleId: r.rule_id, count: Number(r.n) }));
}
