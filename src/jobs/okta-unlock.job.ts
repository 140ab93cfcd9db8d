import type { AppContext } from '../app-context.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { type PolicyDecision, UNLOCK_FAILED_RULE } from '../domain/decision.js';
import { isLockedOut } from '../domain/decision-engine.js';
import { isRetryable } from '../errors/error-codes.js';
import { awaitingApprovedJob, escalateApprovedJobFailed, rejectApprovedJobFailed } from './approved-reset.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';
import { JOB_KINDS } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

interface UnlockPayload {
  requestId: string;
  /** The approved reset link, sent once the account is unlocked. */
  resetUrl: string | null;
}

/**
 * Unlocks a LOCKED_OUT Okta account before its approved reset link goes out
 * (`POST /api/v1/users/{id}/lifecycle/unlock`, a Tool Call event), then completes the request and
 * enqueues the link email in one transaction — so the link never reaches a still-locked account.
 *
 * The request waits for it where its decision left it: Triaging with the engine's Approved
 * decision recorded (apply-decision.ts), or Escalated under an approver's claim. Anything else
 * (cancelled meanwhile, completed by an earlier attempt) leaves nothing to do.
 *
 * Once per request (idempotency key). An unlock Okta refuses is checked against the user: one who
 * is not LOCKED_OUT any more (an earlier attempt's unlock, the user or an admin unlocked it) and
 * whose status allows a reset counts as unlocked. A refusal for good, or Okta down for every
 * attempt: the engine's approval escalates to a human (rule `unlock_failed`, High, with Okta's
 * reason), like a failed triage; an approver's is rejected and both are told, like a refused Okta
 * reset (okta-reset.job.ts).
 */
export function oktaUnlockJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.oktaUnlock,
    async run(raw) {
      const payload = raw as unknown as UnlockPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      const from = awaitingApprovedJob(request);
      if (!from) return;
      const userId = request.oktaUserId;
      if (!userId) throw new PermanentJobError('the request has no verified Okta user id');

      const unlocked = await unlock(ctx, request.id, userId);
      await ctx.db.transaction().execute(async (trx) => {
        if (!(await transitionRequest(trx, request.id, from, 'Completed', { decision: 'Approved' }))) return;
        const to = request.requester;
        if (payload.resetUrl) await enqueueEmail(trx, { requestId: request.id, to, template: 'reset_link', resetUrl: payload.resetUrl });
        // The audit event last: the chain's lock is then held only to the commit.
        await appendAuditEvent(trx, {
          requestId: request.id,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: {
            channel: 'okta',
            kind: 'account_unlocked',
            note: unlocked === 'unlocked' ? 'Okta unlocked the account' : 'The account was no longer locked out',
            userId,
          },
        });
      });
      ctx.wakeWorker();
    },
    async onPermanentFailure(raw, error) {
      const payload = raw as unknown as UnlockPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) return;
      const from = awaitingApprovedJob(request);
      if (from === 'Triaging') {
        await escalateApprovedJobFailed(ctx, request, {
          ruleId: UNLOCK_FAILED_RULE,
          rationale: `Your Okta account is locked out and could not be unlocked (${error.message}), so IT will review this request.`,
          resetMethod: request.resetMethod as PolicyDecision['resetMethod'],
          facts: { error: error.message },
        });
      }
      if (from === 'Escalated') {
        const rationale = `The approved reset could not be carried out: Okta did not unlock the account (${error.message}).`;
        await rejectApprovedJobFailed(ctx, request, rationale);
      }
    },
  };
}

/**
 * The unlock, audited. A refusal (not retryable) is checked against Okta's record of the user;
 * an outage or rate limit is retried by the worker.
 */
async function unlock(ctx: AppContext, requestId: string, userId: string): Promise<'unlocked' | 'not_locked'> {
  try {
    await auditedCall(
      ctx.db,
      requestId,
      'okta.unlockUser',
      { userId },
      () => ctx.okta.unlockUser(userId),
      () => ({ unlocked: true }),
    );
    return 'unlocked';
  } catch (err) {
    if (isRetryable(err)) throw err;
    const user = await auditedCall(
      ctx.db,
      requestId,
      'okta.getUser',
      { userId },
      () => ctx.okta.getUser(userId),
      (u) => u && { status: u.status },
    );
    const denied = (ctx.policy.denyStatuses as readonly string[]).includes(user?.status.trim().toUpperCase() ?? '');
    if (user && !isLockedOut(user.status) && !denied) return 'not_locked';
    throw err;
  }
}
