import type { AuditEvent } from '../db/repositories/audit.repository.js';
import type { DecisionLogEntry, Seed000Result } from '../db/repositories/decision.repository.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';

const SEED_000_KEYS = [
  'request_id',
  'requestApp',
  'requestUser',
  'date',
  'outcome',
  'rationale',
  'app',
  'oktaAppId',
  'oktaUserId',
] as const;

/** A request as the API returns it. `result` is the seed-000 object of its latest decision. */
export function toRequestView(request: PasswordRequest, decisions: DecisionLogEntry[] = [], events?: AuditEvent[]) {
  const latest = decisions.at(-1);
  const result = latest
    ? (Object.fromEntries(SEED_000_KEYS.map((k) => [k, latest.decision[k] ?? null])) as unknown as Seed000Result)
    : null;
  return {
    request_id: request.id,
    requester: request.requester,
    app: request.app,
    justification: request.justification,
    targetUser: request.targetUser,
    channel: request.channel,
    status: request.status,
    statusLabel: STATUS_LABELS[request.status],
    resolution: request.resolution,
    priority: request.priority,
    decision: request.decision,
    rationale: request.rationale,
    ruleId: request.ruleId,
    policyVersion: request.policyVersion,
    resetMethod: request.resetMethod,
    oktaUserId: request.oktaUserId,
    oktaAppId: request.oktaAppId,
    manualDecision: request.manualDecision,
    decidedBy: request.decidedBy,
    next_owner: request.nextOwner,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    decidedAt: request.decidedAt,
    closedAt: request.closedAt,
    result,
    ...(events ? { summary: toSeed001(request, events) } : {}),
  };
}

/** The seed-001 result: `{ request_id, status, decision, rationale, next_owner, actions_taken }`. */
function toSeed001(request: PasswordRequest, events: AuditEvent[]) {
  const actions = events.flatMap((e) => {
    if (e.eventType === 'Tool Call') return [`${String(e.details.tool)}${e.details.ok === false ? ' (failed)' : ''}`];
    if (e.eventType === 'Message' && e.details.channel === 'email')
      return [`email: ${String(e.details.template)} to ${String(e.details.to)}`];
    if (e.eventType === 'Approval' || e.eventType === 'Rejection' || e.eventType === 'Escalation' || e.eventType === 'Closure') {
      return [`${e.eventType.toLowerCase()} by ${e.actor}`];
    }
    return [];
  });
  return {
    request_id: request.id,
    status: request.status,
    decision: request.decision,
    rationale: request.rationale,
    next_owner: request.nextOwner,
    actions_taken: actions,
  };
}
