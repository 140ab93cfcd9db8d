import type { AgentRun } from '../db/repositories/agent-run.repository.js';
import type { AuditEvent } from '../db/repositories/audit.repository.js';
import type { DecisionLogEntry, Seed000Result } from '../db/repositories/decision.repository.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import { toSeed001 } from '../domain/request-summary.js';

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

/** What the requester sees of a verification: never the push transaction. */
function verificationView(request: PasswordRequest) {
  const v = request.verification;
  if (!v) return null;
  const live = request.status === 'Verifying';
  return {
    level: v.level,
    push: live && v.push ? { numberChallenge: v.push.numberChallenge, expiresAt: v.push.expiresAt } : null,
    codes: live
      ? v.plan.codes.map((c) => ({
          factorId: c.factorId,
          factorType: c.factorType,
          provider: c.provider,
          issue: c.issue,
          codeSent: v.issued.includes(c.factorId),
        }))
      : [],
    attemptsLeft: Math.max(0, v.maxAttempts - v.failures),
    verifiedAt: request.verifiedAt,
  };
}

/** What the LLM agent's runs for a request cost, summed; null without runs. */
export function agentUsageView(runs: readonly AgentRun[]) {
  if (runs.length === 0) return null;
  return {
    runs: runs.length,
    failedRuns: runs.filter((r) => r.outcome === 'failed').length,
    promptTokens: runs.reduce((sum, r) => sum + r.promptTokens, 0),
    completionTokens: runs.reduce((sum, r) => sum + r.completionTokens, 0),
    latencyMs: runs.reduce((sum, r) => sum + r.latencyMs, 0),
    rejectedCalls: runs.reduce((sum, r) => sum + r.rejectedCalls, 0),
    models: [...new Set(runs.map((r) => r.model))],
  };
}

/**
 * A request as the API returns it. `result` is the seed-000 object of its latest decision;
 * `agentUsage` only where the caller passes it (approvers and admins reviewing the request).
 */
export function toRequestView(
  request: PasswordRequest,
  decisions: DecisionLogEntry[] = [],
  events?: AuditEvent[],
  agentUsage?: ReturnType<typeof agentUsageView>,
) {
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
    resetConfirmedAt: request.resetConfirmedAt,
    incident: request.incident && { number: request.incident.number, url: request.incident.url },
    store: request.store,
    externalResult: request.externalResult,
    verification: verificationView(request),
    question: request.question && {
      text: request.question.text,
      reason: request.question.reason,
      candidates: request.question.candidates,
      askedBy: request.question.askedBy,
      askedAt: request.question.askedAt,
    },
    result,
    ...(events ? { summary: toSeed001(request, events) } : {}),
    ...(agentUsage ? { agentUsage } : {}),
  };
}
