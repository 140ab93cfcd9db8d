/**
 * What the jobs that carry out an approved reset share — the unlock before a link
 * (okta-unlock.job.ts) and the directory reset (directory-reset.job.ts): where the request waits
 * for them, and what happens when they fail for good.
 */
import type { AppContext } from '../app-context.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import type { PolicyDecision } from '../domain/decision.js';
import { applyDecision } from '../services/apply-decision.js';
import { AGENT_ACTOR } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';

/**
 * Where the request waits for the job: Triaging with the engine's approval recorded, or Escalated
 * under an approver's claim; null when it no longer does (cancelled, completed by an earlier attempt).
 */
export function awaitingApprovedJob(request: PasswordRequest): 'Triaging' | 'Escalated' | null {
  if (request.status === 'Triaging' && request.decision === 'Approved' && request.decidedAt !== null) return 'Triaging';
  if (request.status === 'Escalated' && request.manualDecision === 'Approved') return 'Escalated';
  return null;
}

/** The engine's approval could not be carried out: a human takes the request (High), with the reason. */
export async function escalateApprovedJobFailed(
  ctx: AppContext,
  request: PasswordRequest,
  failure: Pick<PolicyDecision, 'ruleId' | 'rationale' | 'resetMethod' | 'facts'>,
): Promise<void> {
  const approverGroup = (await findAppByName(ctx.db, request.app))?.approverGroup ?? ctx.policy.escalation.approverGroup;
  await applyDecision(ctx, request, {
    source: 'engine',
    outcome: 'Escalated',
    ...failure,
    priority: 'High',
    nextStatus: 'Escalated',
    actions: [
      { type: 'request_approval', approverGroup },
      { type: 'notify_requester', notice: 'escalated' },
    ],
    policyVersion: null,
    app: request.app,
    oktaUserId: request.oktaUserId,
    oktaAppId: request.oktaAppId,
    store: request.store,
  });
}

/** An approver's approval could not be carried out: rejected, and the requester and the approver are told. */
export async function rejectApprovedJobFailed(ctx: AppContext, request: PasswordRequest, rationale: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await transitionRequest(trx, request.id, 'Escalated', 'Rejected', { decision: 'Rejected', rationale }))) return;
    await enqueueEmail(trx, { requestId: request.id, to: request.requester, template: 'reset_failed' });
    if (request.decidedBy) await enqueueEmail(trx, { requestId: request.id, to: request.decidedBy, template: 'reset_failed_approver' });
    await appendAuditEvent(trx, { requestId: request.id, actor: AGENT_ACTOR, eventType: 'Rejection', details: { reason: rationale } });
  });
  ctx.wakeWorker();
}
