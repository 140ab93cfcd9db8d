import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { STORE_RESET_FAILED_RULE } from '../domain/decision.js';
import { awaitingApprovedJob, escalateApprovedJobFailed, rejectApprovedJobFailed } from './approved-reset.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail, requesterOf } from './enqueue.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { sealSecret } from './sealed-secret.js';
import { type JobHandler, PermanentJobError } from './worker.js';

interface DirectoryResetPayload {
  requestId: string;
  /** The LDAP store (STORES_FILE) the decision named. */
  store: string;
}

/** The directory reset of an approved request (apply-decision's `directory_reset` action), in the decision's transaction. */
export async function enqueueDirectoryReset(trx: Db, payload: DirectoryResetPayload): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_KINDS.directoryReset,
    payload: { ...payload },
    idempotencyKey: jobKeys.directoryReset(payload.requestId),
    maxAttempts: 12,
    fairKey: requesterOf(trx, payload.requestId),
  });
}

/**
 * Resets the requester's password in an LDAP / Active Directory store (connectors/ldap): finds
 * the entry by the store's filter with the requester's login (their email), sets a generated
 * password, and requires a change at next logon where the directory supports it. Then, in one
 * transaction, the request is Completed and the password's email enqueued — the password sealed
 * in that job (sealed-secret.ts) and wiped once sent. The Tool Call event records the entry and
 * whether a change is required, never the password.
 *
 * Once per request (idempotency key). A retry after a reset whose commit was lost (a crash, a
 * database outage) resets again with a new password: the requester gets one email, with the
 * password the directory holds now. The request waits for this job where its decision left it:
 * Triaging with the engine's approval, or Escalated under an approver's claim. If it was
 * cancelled while the directory was being changed, the password has changed all the same, so the
 * email still goes out and the event says so.
 *
 * Fails for good (no such entry, the directory refused, the bind failed, or the directory stayed
 * down for every attempt): the engine's approval goes to a human (rule `store_reset_failed`,
 * High, with the reason); an approver's is rejected, and the requester and the approver are told.
 */
export function directoryResetJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.directoryReset,
    async run(raw) {
      const payload = raw as unknown as DirectoryResetPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      const from = awaitingApprovedJob(request);
      if (!from) return;
      const store = ctx.stores.ldap(payload.store);
      const login = request.requester;
      const reset = await auditedCall(
        ctx.db,
        request.id,
        'ldap.resetPassword',
        { store: payload.store, url: store.url, login },
        () => store.resetPassword(login),
        (r) => ({ userDn: r.userDn, mustChange: r.mustChange }),
      );
      const sealedPassword = sealSecret(ctx.config.jobSecretKey, request.id, reset.password);
      await ctx.db.transaction().execute(async (trx) => {
        const completed = await transitionRequest(trx, request.id, from, 'Completed', { decision: 'Approved' });
        await enqueueEmail(trx, {
          requestId: request.id,
          to: request.requester,
          template: 'new_password',
          sealedPassword,
          mustChange: reset.mustChange,
        });
        await appendAuditEvent(trx, {
          requestId: request.id,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: {
            channel: 'ldap',
            kind: 'directory_password_reset',
            store: payload.store,
            userDn: reset.userDn,
            mustChange: reset.mustChange,
            note: completed
              ? 'The directory password was reset; the new password is emailed to the requester once'
              : 'The directory password was reset although the request changed meanwhile; the new password is emailed to the requester once',
          },
        });
      });
      ctx.wakeWorker();
    },
    async onPermanentFailure(raw, error) {
      const payload = raw as unknown as DirectoryResetPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) return;
      const from = awaitingApprovedJob(request);
      if (from === 'Triaging') {
        await escalateApprovedJobFailed(ctx, request, {
          ruleId: STORE_RESET_FAILED_RULE,
          rationale: `Your ${request.app} password could not be reset in its directory (${error.message}), so IT will review this request.`,
          resetMethod: 'directory',
          facts: { error: error.message, store: request.store },
        });
      }
      if (from === 'Escalated') {
        const rationale = `The approved reset could not be carried out: the directory did not take the new password (${error.message}).`;
        await rejectApprovedJobFailed(ctx, request, rationale);
      }
    },
  };
}
