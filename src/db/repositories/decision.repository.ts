import type { DecisionSource } from '../../domain/decision.js';
import type { Outcome } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

/** The seed-000 result object: stored in every decision log entry, returned by the API as `result`. */
export interface Seed000Result {
  request_id: string;
  requestApp: string;
  requestUser: string;
  date: string;
  outcome: Outcome;
  rationale: string;
  app: string;
  oktaAppId: string | null;
  oktaUserId: string | null;
}

/** One row of the decision log (`decisions`): a decision made about a request, by the engine or an approver. */
export interface DecisionLogEntry {
  id: string;
  requestId: string;
  date: string;
  source: DecisionSource;
  /** The seed-000 object, plus what the decider adds (rule id, policy version, facts, approver). */
  decision: Seed000Result & Record<string, unknown>;
}

export async function insertDecision(
  db: Db,
  requestId: string,
  source: DecisionSource,
  result: Seed000Result & Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('decisions')
    .values({ id: newId('dec'), request_id: requestId, date: result.date ?? nowIso(), source, decision_json: JSON.stringify(result) })
    .execute();
}

export async function listDecisions(db: Db, requestId: string): Promise<DecisionLogEntry[]> {
  return (await listDecisionsFor(db, [requestId])).get(requestId) ?? [];
}

/** Decisions of several requests in one query (a page of the request list), oldest first. */
export async function listDecisionsFor(db: Db, requestIds: string[]): Promise<Map<string, DecisionLogEntry[]>> {
  const byRequest = new Map<string, DecisionLogEntry[]>();
  if (requestIds.length === 0) return byRequest;
  const rows = await db.selectFrom('decisions').selectAll().where('request_id', 'in', requestIds).orderBy('date').orderBy('id').execute();
  for (const d of rows.map(toLogEntry)) byRequest.set(d.requestId, [...(byRequest.get(d.requestId) ?? []), d]);
  return byRequest;
}

function toLogEntry(r: { id: string; request_id: string; date: string; source: string; decision_json: string }): DecisionLogEntry {
  return {
    id: r.id,
    requestId: r.request_id,
    date: r.date,
    source: r.source as DecisionSource,
    decision: JSON.parse(r.decision_json) as DecisionLogEntry['decision'],
  };
}

/** The whole decision log, newest first, a page at a time (`limit` null: every entry). */
export async function listRecentDecisions(db: Db, page: { limit: number | null; offset: number }): Promise<DecisionLogEntry[]> {
  let q = db.selectFrom('decisions').selectAll().orderBy('date', 'desc').orderBy('id', 'desc');
  if (page.limit !== null) q = q.limit(page.limit).offset(page.offset);
  else if (page.offset > 0) q = q.limit(Number.MAX_SAFE_INTEGER).offset(page.offset);
  return (await q.execute()).map(toLogEntry);
}
