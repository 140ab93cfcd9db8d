import type { AppContext } from '../app-context.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { getRequest, otherResetMayExplain, transitionRequest } from '../db/repositories/request.repository.js';
import type { OktaUser } from '../domain/okta-facts.js';
import { nowIso } from '../time.js';
import { enqueueAfterReset } from './after-reset.jobs.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';
import { JOB_KINDS } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

/**
 * After an approver approves a federated-SSO request: Okta `reset_password?sendEmail=true` for
 * the Okta user id stored at triage, then Completed and a mail to the requester.
 *
 * Exactly once. The job exists once per request (idempotency key). Its first attempt calls
 * Okta. A retry (an earlier attempt may have reached Okta, then crashed or got an answer of
 * unknown outcome) calls reset_password again unless the reset is shown to have happened:
 *  1. resetdesk's own record: an ok `okta.resetPassword` Tool Call of this request; or
 *  2. Okta's record: the user is in RECOVERY, no status transition is in progress, and Okta's
 *     `statusChanged` is at or after the job's `created_at`. That row is written with the
 *     approval, before any attempt, so every reset this job made is later; a RECOVERY from
 *     before the approval is earlier and is not taken for this reset. The retry then writes the
 *     reset's Tool Call event (`recovered: true`), so the log shows the reset that happened.
 *     Not when another approved request for the same user may have made the reset Okta shows:
 *     its logged reset call was under way at `statusChanged`, or its reset job ran since without
 *     a logged outcome. That reset would otherwise be logged under this request, and this one
 *     never made.
 * In doubt it resets again, as a second email is better than none: there is no tolerance for
 * clock skew, a missing or unreadable `statusChanged` counts as earlier, and a reset of a user
 * who was already in RECOVERY leaves `statusChanged` where it was (the status did not change),
 * so if it was not logged before the crash it is made again.
 *
 * With the request, the same transaction enqueues what the policy's `afterReset` says follows the
 * reset (after-reset.jobs.ts): ending the user's Okta sessions, and watching the System Log for the
 * new password.
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
      const resetArgs = { userId, sendEmail: true };

      // 'logged': an earlier attempt's reset is in the Audit Log; 'found': Okta shows it (to be logged).
      let earlier: 'logged' | 'found' | null = null;
      let statusChanged: string | undefined;
      // When the reset was made, by the clock: what follows it counts from here.
      let resetAt = nowIso();
      if (job.attempts > 1) {
        const events = await listAuditEvents(ctx.db, requestId);
        const logged = events.find((e) => e.eventType === 'Tool Call' && e.details.tool === 'okta.resetPassword' && e.details.ok === true);
        if (logged) {
          earlier = 'logged';
          resetAt = logged.createdAt;
        } else {
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
          if (
            user &&
            oktaShowsResetSince(user, job.created_at) &&
            // Another approved request for the same user may have made the reset Okta shows.
            !(await otherResetMayExplain(ctx.db, {
              requestId,
              oktaUserId: userId,
              since: job.created_at,
              statusChanged: user.statusChanged ?? '',
            }))
          ) {
            earlier = 'found';
            statusChanged = user.statusChanged;
          }
        }
      }
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

      await ctx.db.transaction().execute(async (trx) => {
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Completed', { decision: 'Approved' }))) return;
        // What the policy says follows the reset (sessions ended, the new password watched for).
        await enqueueAfterReset(trx, ctx.policy, { requestId, userId, resetAt: earlier === 'found' ? job.created_at : resetAt });
        if (earlier === 'found') {
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
              result: { sendEmail: true, confirmedBy: 'okta.getUser', status: 'RECOVERY', statusChanged, jobCreatedAt: job.created_at },
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
        if (!(await transitionRequest(trx, requestId, 'Escalated', 'Rejected', { decision: 'Rejected', rationale }))) return;
        await appendAuditEvent(trx, { requestId, actor: AGENT_ACTOR, eventType: 'Rejection', details: { reason: rationale } });
        await enqueueEmail(trx, { requestId, to: request.requester, template: 'reset_failed' });
        if (request.decidedBy) await enqueueEmail(trx, { requestId, to: request.decidedBy, template: 'reset_failed_approver' });
      });
      ctx.wakeWorker();
    },
  };
}

/**
 * Whether Okta's record shows a reset made by this job: RECOVERY that began (by Okta's
 * `statusChanged`) at or after `since`, the job's creation. Unknown or unreadable → false.
 */
function oktaShowsResetSince(user: OktaUser, since: string): boolean {
  if (user.status !== 'RECOVERY' || user.transitioningToStatus) return false;
  const changed = user.statusChanged ? Date.parse(user.statusChanged) : NaN;
  const start = Date.parse(since);
  return Number.isFinite(changed) && Number.isFinite(start) && changed >= start;
}
