import type { AppContext } from '../app-context.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { claimOktaReset, releaseOktaReset } from '../db/repositories/okta-reset-claim.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import type { OktaUser } from '../domain/okta-facts.js';
import { nowIso } from '../time.js';
import { enqueueAfterReset } from './after-reset.jobs.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';
import { JOB_KINDS } from './job-kinds.js';
import { DeferJob, type JobHandler, PermanentJobError } from './worker.js';

/**
 * After an approver approves a federated-SSO request: Okta `reset_password?sendEmail=true` for
 * the Okta user id stored at triage, then Completed and a mail to the requester.
 *
 * Exactly once. The job exists once per request (idempotency key). Before its call it takes the
 * claim on resetting that Okta user (okta-reset-claim.repository.ts), which one request holds at
 * a time, until the outcome is recorded — so a reset Okta records while this request holds it is
 * this request's. Another approved request of the same user waits (DeferJob) until then.
 *
 * An attempt that finds the claim already its own follows an attempt that may have reached
 * Okta, then crashed or got an answer of unknown outcome. It calls reset_password again unless
 * the reset is shown to have happened (earlierReset):
 *  1. resetdesk's own record: an ok `okta.resetPassword` Tool Call of this request; or
 *  2. Okta's user record: RECOVERY, no transition in progress, `statusChanged` at or after the
 *     claim's evidence line (its start, or just after the previous holder's release); or
 *  3. Okta's System Log: a `user.account.reset_password` event of the user since that line —
 *     which also shows a reset of a user who was in RECOVERY already (from an earlier request),
 *     where Okta's user record does not change.
 * Then it writes the reset's Tool Call event (`recovered: true`), so the log shows the reset
 * that happened. In doubt it resets again, as a second email is better than none: a System Log
 * event that has not appeared yet when the retry reads, or clocks further apart than the claim's
 * margin.
 *
 * With the request, the same transaction enqueues what the policy's `afterReset` says follows the
 * reset (after-reset.jobs.ts): ending the user's Okta sessions, and watching the System Log for the
 * new password.
 */
export function oktaResetJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.oktaReset,
    async run(payload) {
      const requestId = String(payload.requestId);
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      const userId = request.oktaUserId;
      if (request.status !== 'Escalated' || request.manualDecision !== 'Approved') {
        if (userId) await releaseOktaReset(ctx.db, { oktaUserId: userId, requestId });
        return;
      }
      if (!userId) throw new PermanentJobError('the request has no verified Okta user id');
      const resetArgs = { userId, sendEmail: true };

      const claim = await claimOktaReset(ctx.db, ctx.dialect, { oktaUserId: userId, requestId });
      if (!claim.held) {
        throw new DeferJob(
          claim.waitMs,
          claim.holder ? `request ${claim.holder} is resetting the same Okta user` : 'another reset of the same Okta user has just ended',
        );
      }
      const earlier = claim.resumed ? await earlierReset(ctx, requestId, userId, claim.evidenceAfter) : null;
      if (!earlier) {
        await auditedCall(
          ctx.db,
          requestId,
          'okta.resetPassword',
          resetArgs,
          () => ctx.okta.resetPassword(userId),
          () => ({ sendEmail: true }),
        );
      }
      // When the reset was made, by the clock: what follows it (the new password) counts from here.
      const resetAt = !earlier ? nowIso() : earlier.by === 'log' ? earlier.at : claim.evidenceAfter;

      await ctx.db.transaction().execute(async (trx) => {
        await releaseOktaReset(trx, { oktaUserId: userId, requestId });
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Completed', { decision: 'Approved' }))) return;
        // What the policy says follows the reset (sessions ended, the new password watched for).
        await enqueueAfterReset(trx, ctx.policy, { requestId, userId, resetAt });
        if (earlier && earlier.by !== 'log') {
          // The earlier attempt's own event was lost with it: record the reset Okta confirms.
          await appendAuditEvent(trx, {
            requestId,
            actor: AGENT_ACTOR,
            eventType: 'Tool Call',
            details: {
              tool: 'okta.resetPassword',
              args: resetArgs,
              ok: true,
              recovered: true,
              result: { sendEmail: true, confirmedBy: earlier.by, ...earlier.evidence, evidenceAfter: claim.evidenceAfter },
            },
          });
        }
        await appendAuditEvent(trx, {
          requestId,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: { channel: 'okta', note: 'Okta emailed the user a password reset link', userId, skippedRepeat: earlier !== null },
        });
        await enqueueEmail(trx, { requestId, to: request.requester, template: 'okta_reset_sent' });
      });
      ctx.wakeWorker();
    },
    async onPermanentFailure(payload, error) {
      // Okta refused (e.g. the account was deactivated since the approval) or stayed down for
      // every attempt: reject, and tell the requester and the approver, who thinks it done.
      const requestId = String(payload.requestId);
      const request = await getRequest(ctx.db, requestId);
      if (!request) return;
      const rationale = `The approved reset could not be carried out in Okta: ${error.message}`;
      await ctx.db.transaction().execute(async (trx) => {
        if (request.oktaUserId) await releaseOktaReset(trx, { oktaUserId: request.oktaUserId, requestId });
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Rejected', { decision: 'Rejected', rationale }))) return;
        await appendAuditEvent(trx, { requestId, actor: AGENT_ACTOR, eventType: 'Rejection', details: { reason: rationale } });
        await enqueueEmail(trx, { requestId, to: request.requester, template: 'reset_failed' });
        if (request.decidedBy) await enqueueEmail(trx, { requestId, to: request.decidedBy, template: 'reset_failed_approver' });
      });
      ctx.wakeWorker();
    },
  };
}

type EarlierReset = { by: 'log'; at: string } | { by: 'okta.getUser' | 'okta.listPasswordEvents'; evidence: Record<string, string | null> };

/**
 * Whether an earlier attempt of this request reset the password (see oktaResetJob): its own
 * logged call, else Okta's user record, else Okta's System Log, each read since `evidenceAfter`.
 * Each read of Okta is a Tool Call in the request's log.
 */
async function earlierReset(ctx: AppContext, requestId: string, userId: string, evidenceAfter: string): Promise<EarlierReset | null> {
  const events = await listAuditEvents(ctx.db, requestId);
  const logged = events.find((e) => e.eventType === 'Tool Call' && e.details.tool === 'okta.resetPassword' && e.details.ok === true);
  if (logged) return { by: 'log', at: logged.createdAt };

  const line = Date.parse(evidenceAfter);
  const user = await auditedCall(
    ctx.db,
    requestId,
    'okta.getUser',
    { userId },
    () => ctx.okta.getUser(userId),
    (u) =>
      u && {
        status: u.status,
        statusChanged: u.statusChanged ?? null,
        ...(u.transitioningToStatus ? { transitioningToStatus: u.transitioningToStatus } : {}),
      },
  );
  if (user && recoverySince(user, line)) {
    return { by: 'okta.getUser', evidence: { status: 'RECOVERY', statusChanged: user.statusChanged ?? null } };
  }
  const resets = await auditedCall(
    ctx.db,
    requestId,
    'okta.listPasswordEvents',
    { userId, since: evidenceAfter, eventTypes: [RESET_EVENT] },
    () => ctx.okta.listPasswordEvents(userId, evidenceAfter, [RESET_EVENT]),
    (found) => found.map((e) => ({ eventType: e.eventType, published: e.published, outcome: e.outcome })),
  );
  const reset = resets.find((e) => e.eventType === RESET_EVENT && e.outcome === 'SUCCESS' && Date.parse(e.published) >= line);
  if (reset) return { by: 'okta.listPasswordEvents', evidence: { oktaEventId: reset.uuid, published: reset.published } };
  return null;
}

/** Okta's System Log event of an admin password reset. */
const RESET_EVENT = 'user.account.reset_password';

/**
 * Whether Okta's user record shows a reset since `line` (epoch ms): RECOVERY, settled, and
 * `statusChanged` at or after it. Unknown or unreadable → false.
 */
function recoverySince(user: OktaUser, line: number): boolean {
  if (user.status !== 'RECOVERY' || user.transitioningToStatus) return false;
  const changed = user.statusChanged ? Date.parse(user.statusChanged) : NaN;
  return Number.isFinite(changed) && Number.isFinite(line) && changed >= line;
}
