import type { Db } from '../database.js';

/**
 * Requests filed since `since`, counted by the app they were filed under and how they stand:
 * their status, or for a Closed one the status it was closed from (its resolution).
 */
export async function countRequestsByAppAndOutcome(db: Db, since: string): Promise<{ app: string; outcome: string; count: number }[]> {
  const rows = await db
    .selectFrom('password_requests')
    .select((eb) => ['app', 'status', 'resolution', eb.fn.countAll<number | string>().as('n')])
    .where('created_at', '>=', since)
    .groupBy(['app', 'status', 'resolution'])
    .execute();
  return rows.map((r) => ({ app: r.app, outcome: r.status === 'Closed' ? (r.resolution ?? 'Closed') : r.status, count: Number(r.n) }));
}
