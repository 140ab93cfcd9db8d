import type { AppContext } from '../app-context.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';
import { JOB_KINDS } from './job-kinds.js';
import { PermanentJobError, type JobHandler } from './worker.js';

/**
 * After an approver approves a federated-SSO request: Okta `reset_password?sendEmail=true` for
 * the Okta user id stored at triage, then Completed and a mail to the requester.
 *
 * Exactly once: the job exists once per request (idempotency key), and a retry — a crash after
 * Okta answered but before the commit — first asks Okta whether the user is already in
 * RECOVERY, and if so records the reset as done instead of calling it again.
 */
export function oktaResetJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.oktaReset,
    async run(payload, job) {
      const requestId = String(payload.requestId);
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      if (request.status !== 'Escalated' || request.manualDecision !== 'Approved') return;
      const userId = request.oktaUserId;
      if (!userId) throw new PermanentJobError('the request has no verified Okta user id');

      let alreadyReset = false;
      if (job.attempts > 1) {
        const user = await auditedCall(ctx.db, requestId, 'okta.getUser', { userId }, () => ctx.okta.getUser(userId), (u) => u && { status: u.status });
        alreadyReset = user?.status === 'RECOVERY';
      }
      if (!alreadyReset) {
        await auditedCall(ctx.db, requestId, 'okta.resetPassword', { userId, sendEmail: true }, () => ctx.okta.resetPassword(userId), () => ({ sendEmail: true }));
      }

      await ctx.db.transaction().execute(async (trx) => {
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Completed', { decision: 'Approved' }))) return;
        await appendAuditEvent(trx, {
          requestId,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: { channel: 'okta', note: 'Okta emailed the user a password reset link', userId, skippedRepeat: alreadyReset },
        });
        await enqueueEmail(trx, { requestId, to: request.requester, template: 'okta_reset_sent' });
      });
      ctx.wakeWorker();
    },
    async onPermanentFailure(payload, error) {
      // Okta refused for good (e.g. the account was suspended since): reject and tell the requester.
      const requestId = String(payload.requestId);
      const request = await getRequest(ctx.db, requestId);
      if (!request) return;
      const rationale = `The approved reset could not be carried out in Okta: ${error.message}`;
      await ctx.db.transaction().execute(async (trx) => {
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Rejected', { decision: 'Rejected', rationale }))) return;
        await appendAuditEvent(trx, { requestId, actor: AGENT_ACTOR, eventType: 'Rejection', details: { reason: rationale } });
        await enqueueEmail(trx, { requestId, to: request.requester, template: 'reset_failed' });
      });
      ctx.wakeWorker();
    },
  };
}
