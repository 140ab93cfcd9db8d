import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { insertDecision, listDecisions, type Seed000Result } from '../db/repositories/decision.repository.js';
import { claimManualDecision, type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { recordDecisionAwaitingJob } from '../db/repositories/reset-followup.repository.js';
import { type Decision, type DecisionAction, type HumanDecision, type PolicyDecision, verdictFor } from '../domain/decision.js';
import { unlockingFirst } from '../domain/human-decision.js';
import { AGENT_ACTOR } from '../jobs/audited-call.js';
import { enqueueDirectoryReset } from '../jobs/directory-reset.job.js';
import { enqueueEmail, enqueueOktaReset, enqueueOktaUnlock } from '../jobs/enqueue.js';
import { enqueueEscalationFollowUps } from '../jobs/escalation.jobs.js';
import { enqueueExternalDispatch } from '../jobs/external-store.jobs.js';
import { enqueueServiceNowForDecision } from '../jobs/servicenow.jobs.js';
import { reportDecision } from '../observability/decision-timing.js';
import { nowIso } from '../time.js';
import { auditAgentComparison } from './agent-audit.js';

/**
 * Applies any decision — the engine's at triage, the pipeline's `triage_failed`, an approver's —
 * in one transaction: takes the request (a conditional update, so of two concurrent deciders only
 * one acts), moves its status through the lifecycle table, writes the decision log entry and its
 * audit events, and runs the decision's actions (one job each, with its idempotency key).
 * Returns false, having changed nothing, when someone else decided the request first.
 * `beforeAudit` runs in the transaction once the request is taken, just before the decision's
 * audit events: triage writes its Tool Call events there, in the same transaction and chain-lock
 * turn, rather than in one of their own.
 */
export async function applyDecision(
  ctx: Pick<AppContext, 'db' | 'wakeWorker' | 'serviceNow' | 'stores'> & Partial<Pick<AppContext, 'metrics'>>,
  request: PasswordRequest,
  proposed: Decision,
  opts: { beforeAudit?: (trx: Db) => Promise<void> } = {},
): Promise<boolean> {
  const decision = proposed.source === 'human' ? await withTriageUserStatus(ctx.db, request, proposed) : proposed;
  const applied = await ctx.db.transaction().execute(async (trx) => {
    const date = nowIso();
    const taken =
      decision.source === 'engine' ? await takeForEngine(trx, request, decision, date) : await takeForApprover(trx, request, decision);
    if (!taken) return false;
    await insertDecision(trx, request.id, decision.source, logEntry(request, decision, date));
    await opts.beforeAudit?.(trx);
    const escalation = await audit(trx, request, decision);
    // A chat request the LLM agent read: its proposal beside the policy's decision.
    if (decision.source === 'engine') await auditAgentComparison(trx, request.id, decision.outcome);
    for (const action of decision.actions) await run(ctx, trx, request, decision, action, escalation);
    // The escalation's incident, or a note of the approver's decision (jobs/servicenow.jobs.ts).
    if (ctx.serviceNow) await enqueueServiceNowForDecision(trx, request, decision);
    return true;
  });
  // Wake the worker only after the commit, so it finds the jobs.
  if (applied) ctx.wakeWorker();
  if (applied && ctx.metrics) await reportDecision(ctx.metrics, ctx.db, request, decision);
  return applied;
}

/**
 * An approver's reset link for an account triage found LOCKED_OUT (the latest engine decision's
 * `facts.userStatus`) unlocks it first (domain/human-decision.ts `unlockingFirst`).
 */
async function withTriageUserStatus(db: Db, request: PasswordRequest, decision: HumanDecision): Promise<HumanDecision> {
  if (!decision.actions.some((a) => a.type === 'send_reset_link')) return decision;
  const triage = (await listDecisions(db, request.id)).filter((d) => d.source === 'engine').at(-1);
  const facts = triage?.decision.facts as Record<string, unknown> | undefined;
  return unlockingFirst(decision, typeof facts?.userStatus === 'string' ? facts.userStatus : null);
}

/**
 * Triaging → the decision's status, with everything the request shows about its decision. From
 * Verifying only to escalate: verification failed, and a human takes over. A decision that unlocks
 * the account first is recorded while the request stays Triaging: the unlock job moves it on.
 */
async function takeForEngine(trx: Db, request: PasswordRequest, decision: PolicyDecision, date: string): Promise<boolean> {
  const from = request.status === 'Verifying' && decision.nextStatus === 'Escalated' ? 'Verifying' : 'Triaging';
  const columns = {
    decision: verdictFor(decision.outcome),
    rationale: decision.rationale,
    rule_id: decision.ruleId,
    policy_version: decision.policyVersion,
    priority: decision.priority,
    reset_method: decision.resetMethod,
    okta_user_id: decision.oktaUserId,
    okta_app_id: decision.oktaAppId,
    store: decision.store ?? null,
    next_owner: handOverOf(decision)?.approverGroup ?? null,
    decided_at: date,
  };
  if (completedByJob(decision)) return from === 'Triaging' && (await recordDecisionAwaitingJob(trx, request.id, columns));
  return (await transitionRequest(trx, request.id, from, decision.nextStatus, columns)) !== null;
}

/**
 * The claim (Escalated and not yet decided by a human) is the lock, not the status: an approved
 * Okta reset (or an approval that unlocks first) stays Escalated until its job completes it, and
 * must not be decided again.
 */
async function takeForApprover(trx: Db, request: PasswordRequest, decision: HumanDecision): Promise<boolean> {
  const claim = { manualDecision: decision.outcome, decidedBy: decision.decidedBy, comment: decision.comment };
  if (!(await claimManualDecision(trx, request.id, claim))) return false;
  if (decision.nextStatus === null) return true;
  const moved = await transitionRequest(trx, request.id, 'Escalated', decision.nextStatus, {
    decision: verdictFor(decision.outcome),
    ...(decision.requestRationale === null ? {} : { rationale: decision.requestRationale }),
  });
  // Unreachable while the claim holds the row; throwing rolls the claim back rather than half-apply.
  if (!moved) throw new Error(`request ${request.id} left Escalated under a held claim`);
  return true;
}

/** The decision log's seed-000 object, plus what only this kind of decider knows. */
function logEntry(request: PasswordRequest, decision: Decision, date: string): Seed000Result & Record<string, unknown> {
  const base = {
    request_id: request.id,
    requestApp: request.app,
    requestUser: request.requester,
    date,
    outcome: decision.outcome,
    rationale: decision.rationale,
  };
  if (decision.source === 'human') {
    return { ...base, app: request.app, oktaAppId: request.oktaAppId, oktaUserId: request.oktaUserId, decidedBy: decision.decidedBy };
  }
  return {
    ...base,
    app: decision.app,
    oktaAppId: decision.oktaAppId,
    oktaUserId: decision.oktaUserId,
    ruleId: decision.ruleId,
    policyVersion: decision.policyVersion,
    facts: decision.facts,
  };
}

/**
 * Approval | Rejection by the approver; or Decision, then Escalation | Rejection, by resetdesk.
 * Returns the Escalation event's id (the escalation episode), or null when there is none.
 */
async function audit(trx: Db, request: PasswordRequest, decision: Decision): Promise<string | null> {
  const requestId = request.id;
  if (decision.source === 'human') {
    await appendAuditEvent(trx, {
      requestId,
      actor: decision.decidedBy,
      eventType: decision.outcome === 'Approved' ? 'Approval' : 'Rejection',
      details: { decision: decision.outcome, comment: decision.comment, resetMethod: request.resetMethod, actions: decision.actions },
    });
    return null;
  }
  const event = (eventType: 'Decision' | 'Escalation' | 'Rejection', details: Record<string, unknown>) =>
    appendAuditEvent(trx, { requestId, actor: AGENT_ACTOR, eventType, details });
  const { outcome, ruleId, rationale, policyVersion, priority, facts, actions } = decision;
  await event('Decision', { outcome, ruleId, rationale, policyVersion, priority, facts, actions });
  const handOver = handOverOf(decision);
  const escalation = handOver ? await event('Escalation', { reason: rationale, nextOwner: handOver.approverGroup, priority }) : null;
  if (outcome === 'Denied') await event('Rejection', { reason: rationale, ruleId });
  return escalation?.eventId ?? null;
}

/**
 * Runs one action: a job enqueued in the decision's transaction, keyed so it happens once. After
 * `okta_unlock` the reset link is the unlock job's to send, once the account is unlocked.
 */
async function run(
  ctx: Pick<AppContext, 'stores'>,
  trx: Db,
  request: PasswordRequest,
  decision: Decision,
  action: DecisionAction,
  escalation: string | null,
): Promise<void> {
  const requestId = request.id;
  const to = request.requester;
  switch (action.type) {
    case 'send_reset_link':
      if (unlocksFirst(decision)) return;
      return enqueueEmail(trx, { requestId, to, template: 'reset_link', resetUrl: action.url });
    case 'okta_unlock': {
      const link = decision.actions.find((a) => a.type === 'send_reset_link');
      return enqueueOktaUnlock(trx, { requestId, resetUrl: link?.type === 'send_reset_link' ? link.url : null });
    }
    case 'notify_requester':
      return enqueueEmail(trx, {
        requestId,
        to,
        template: action.notice,
        ...(action.comment === undefined ? {} : { comment: action.comment }),
      });
    case 'okta_reset':
      return enqueueOktaReset(trx, requestId);
    case 'directory_reset':
      return enqueueDirectoryReset(trx, { requestId, store: action.store });
    case 'external_dispatch':
      return enqueueExternalDispatch(ctx, trx, { requestId, store: action.store });
    case 'request_approval':
      // The group became the next owner with the status, and the Escalation event says so; its
      // members are notified, and reminded while it waits (jobs/escalation.jobs.ts).
      if (escalation === null) throw new Error(`request ${requestId}: an approval request without its Escalation event`);
      return enqueueEscalationFollowUps(trx, { requestId, approverGroup: action.approverGroup, cycle: escalation });
  }
}

function unlocksFirst(decision: Decision): boolean {
  return decision.actions.some((a) => a.type === 'okta_unlock');
}

/**
 * The engine's approvals whose job completes the request (an unlock, a directory reset): the
 * decision is recorded while the request stays Triaging, and the job moves it on.
 */
function completedByJob(decision: Decision): boolean {
  return decision.actions.some((a) => a.type === 'okta_unlock' || a.type === 'directory_reset');
}

function handOverOf(decision: Decision): Extract<DecisionAction, { type: 'request_approval' }> | undefined {
  return decision.actions.find((a): a is Extract<DecisionAction, { type: 'request_approval' }> => a.type === 'request_approval');
}
