/**
 * What a run measured, read from the database once every job is done — server timestamps only,
 * never a client timer. Two queries for the whole run (all requests, all Tool Call audit events),
 * so reading a 20,000-request run takes a second, not minutes.
 *   - e2e decision latency = decided_at − created_at of each request (both written by the
 *     server: created_at in the POST's transaction, decided_at when triage decides);
 *   - the Okta critical path from the request's Tool Call events' durationMs: okta.findUser + the
 *     slowest of the parallel detail calls (getApp, isAssigned, roles, groups, factors);
 *   - decision overhead = e2e latency − Okta critical path.
 * Every request's rule is checked against the one the bench org expects; a mismatch throws.
 */
import type { Db } from '../db/database.js';
import { toRequest } from '../db/repositories/request.repository.js';
import type { BenchRequest } from './bench-org.js';

export interface Submitted {
  expected: BenchRequest;
  id: string;
}

export interface Figures {
  n: number;
  decidedPerSec: number;
  e2eP50: number;
  e2eP99: number;
  oktaPathP50: number;
  overheadP50: number;
  overheadP99: number;
  /** Count per decision outcome (Approved, Escalated, Rejected). */
  outcomes: Record<string, number>;
}

/** Nearest-rank percentile of an unsorted list. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const DETAIL_TOOLS = new Set(['okta.getApp', 'okta.isAssigned', 'okta.listAdminRoles', 'okta.listGroups', 'okta.listFactors']);

/** Per request: findUser + the slowest parallel detail call, from all Tool Call events at once. */
async function oktaCriticalPaths(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('audit_events').select(['request_id', 'details_json']).where('event_type', '=', 'Tool Call').execute();
  const lookup = new Map<string, number>();
  const details = new Map<string, number>();
  for (const row of rows) {
    const d = JSON.parse(row.details_json) as { tool?: unknown; durationMs?: unknown };
    const duration = Number(d.durationMs ?? 0);
    if (d.tool === 'okta.findUser') lookup.set(row.request_id, (lookup.get(row.request_id) ?? 0) + duration);
    else if (DETAIL_TOOLS.has(String(d.tool))) details.set(row.request_id, Math.max(details.get(row.request_id) ?? 0, duration));
  }
  const paths = new Map<string, number>();
  for (const id of new Set([...lookup.keys(), ...details.keys()])) paths.set(id, (lookup.get(id) ?? 0) + (details.get(id) ?? 0));
  return paths;
}

export async function readFigures(db: Db, submitted: Submitted[]): Promise<Figures> {
  const requests = new Map((await db.selectFrom('password_requests').selectAll().execute()).map((row) => [row.id, toRequest(row)]));
  const paths = await oktaCriticalPaths(db);
  const e2e: number[] = [];
  const pathsMs: number[] = [];
  const overheads: number[] = [];
  const outcomes: Record<string, number> = {};
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const { expected, id } of submitted) {
    const r = requests.get(id);
    if (!r?.decidedAt) throw new Error(`request ${id} (${expected.requester}, ${expected.app}) was never decided`);
    if (r.ruleId !== expected.expectRule)
      throw new Error(`request ${id} (${expected.requester}, ${expected.app}): rule ${r.ruleId}, expected ${expected.expectRule}`);
    const created = Date.parse(r.createdAt);
    const decided = Date.parse(r.decidedAt);
    first = Math.min(first, created);
    last = Math.max(last, decided);
    const path = paths.get(id) ?? 0;
    e2e.push(decided - created);
    pathsMs.push(path);
    overheads.push(decided - created - path);
    const outcome = r.decision ?? 'none';
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return {
    n: submitted.length,
    decidedPerSec: submitted.length / (Math.max(1, last - first) / 1000),
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    oktaPathP50: percentile(pathsMs, 50),
    overheadP50: percentile(overheads, 50),
    overheadP99: percentile(overheads, 99),
    outcomes,
  };
}
