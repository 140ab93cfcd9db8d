import type { Db } from '../db/database.js';
import { listAuditEvents } from '../db/repositories/audit.repository.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import type { Decision } from '../domain/decision.js';
import { nowMs } from '../time.js';
import type { Metrics } from './metrics.js';

/**
 * Reports an applied decision: its counter, its latency (request created → now) and, for the
 * engine's, how much of that was resetdesk itself — the latency less the time triage spent in
 * Okta calls, read from the request's Tool Call events (jobs/audited-call.ts: each ends at its
 * event's time and lasted its `durationMs`). Parallel calls overlap, so the Okta time is the
 * union of their intervals, not their sum. Never throws: metrics must not fail a decision.
 */
export async function reportDecision(metrics: Metrics, db: Db, request: PasswordRequest, decision: Decision): Promise<void> {
  try {
    const latencySeconds = Math.max(0, (nowMs() - Date.parse(request.createdAt)) / 1000);
    if (decision.source === 'human') {
      metrics.decisionApplied({ source: 'human', outcome: decision.outcome, rule: 'approver', latencySeconds });
      return;
    }
    const oktaSeconds = await oktaSecondsOf(db, request.id);
    metrics.decisionApplied({ source: 'engine', outcome: decision.outcome, rule: decision.ruleId, latencySeconds, oktaSeconds });
  } catch {
    // A failed read of the log loses one sample, nothing else.
  }
}

/** Wall-clock seconds during which at least one Okta call of the request's triage was under way. */
async function oktaSecondsOf(db: Db, requestId: string): Promise<number> {
  const intervals: [number, number][] = [];
  for (const event of await listAuditEvents(db, requestId)) {
    if (event.eventType !== 'Tool Call') continue;
    const { tool, durationMs } = event.details;
    if (typeof tool !== 'string' || !tool.startsWith('okta.') || typeof durationMs !== 'number') continue;
    const end = Date.parse(event.createdAt);
    if (Number.isFinite(end)) intervals.push([end - durationMs, end]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let totalMs = 0;
  let current: [number, number] | undefined;
  for (const [start, end] of intervals) {
    if (current && start <= current[1]) current[1] = Math.max(current[1], end);
    else {
      if (current) totalMs += current[1] - current[0];
      current = [start, end];
    }
  }
  if (current) totalMs += current[1] - current[0];
  return totalMs / 1000;
}
