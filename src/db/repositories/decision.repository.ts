import type { Db } from '../database.js';
import { newId, nowIso } from '../ids.js';

/** The seed-000 result object, stored per decision and returned by the API as `result`. */
export interface DecisionRecord {
  request_id: string;
  requestApp: string;
  requestUser: string;
  date: string;
  outcome: 'Approved' | 'Denied' | 'Escalated';
  rationale: string;
  app: string;
  oktaAppId: string | null;
  oktaUserId: string | null;
}

export interface StoredDecision {
  id: string;
  requestId: string;
  date: string;
  source: 'engine' | 'human';
  decision: DecisionRecord & Record<string, unknown>;
}

export async function insertDecision(
  db: Db,
  requestId: string,
  source: 'engine' | 'human',
  decision: DecisionRecord & Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('decisions')
    .values({ id: newId('dec'), request_id: requestId, date: decision.date ?? nowIso(), source, decision_json: JSON.stringify(decision) })
    .execute();
}

export async function listDecisions(db: Db, requestId: string): Promise<StoredDecision[]> {
  return (await listDecisionsFor(db, [requestId])).get(requestId) ?? [];
}

/** Decisions of several requests in one query (a page of the request list), oldest first. */
export async function listDecisionsFor(db: Db, requestIds: string[]): Promise<Map<string, StoredDecision[]>> {
  const byRequest = new Map<string, StoredDecision[]>();
  if (requestIds.length === 0) return byRequest;
  const rows = await db.selectFrom('decisions').selectAll().where('request_id', 'in', requestIds).orderBy('date').orderBy('id').execute();
  for (const d of rows.map(toStoredDecision)) byRequest.set(d.requestId, [...(byRequest.get(d.requestId) ?? []), d]);
  return byRequest;
}

function toStoredDecision(r: { id: string; request_id: string; date: string; source: string; decision_json: string }): StoredDecision {
  return {
    id: r.id,
    requestId: r.request_id,
    date: r.date,
    source: r.source as 'engine' | 'human',
    decision: JSON.parse(r.decision_json) as StoredDecision['decision'],
  };
}
