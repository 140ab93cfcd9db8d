/**
 * What follows an approved Okta reset (okta-reset.job.ts), by the policy's `afterReset` options,
 * as it was when the reset was made. Both are enqueued in the transaction that completes the
 * request, and both happen after it is closed: they add audit events (and at most one reminder
 * email) to the closed request and never change its status.
 *
 * - `clearSessions`: the `okta-clear-sessions` job ends the user's Okta sessions
 *   (`DELETE /api/v1/users/{id}/sessions`, a Tool Call event), so a session opened with the old
 *   password dies with it. Only for resets made in Okta: an SWA reset link changes the app's
 *   password, not Okta's.
 * - `confirm`: a durable watcher. Each `reset-watch` job reads the System Log once
 *   (`GET /api/v1/logs` for the user, password reset/update events since the reset, a Tool Call
 *   event) and, while nothing shows the user setting a new password, enqueues the next read
 *   `RESET_WATCH_INTERVAL_MS` later (key `reset-watch:{id}:{n}`: one job per read, so a restart
 *   picks the watch up where it was and a repeated read enqueues nothing new). When the user has
 *   set it: `reset_confirmed_at` on the request and a Message event "reset confirmed at …". At
 *   `remindAfterHours` without it: one `reset_reminder` email to the requester (its key makes it
 *   once). At `watchHours`: a last read, then a Message event that it was never confirmed, and
 *   no further reads.
 */
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import { markResetConfirmed } from '../db/repositories/reset-followup.repository.js';
import type { OktaLogEvent } from '../domain/okta-facts.js';
import type { Policy } from '../domain/policy.js';
import { nowMs } from '../time.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail, requesterOf } from './enqueue.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

const HOUR_MS = 3_600_000;

/**
 * How often the watcher reads the System Log after an Okta reset: every 10 minutes. Okta's reset
 * link is good for an hour by default, so this tells within minutes when it was used, at six
 * light reads an hour per watched reset; it also bounds how late the reminder can be.
 */
export const RESET_WATCH_INTERVAL_MS = 10 * 60_000;

/** The System Log events the watcher reads: Okta's reset (ours), and the user setting a password. */
const PASSWORD_EVENT_TYPES = ['user.account.reset_password', 'user.account.update_password'] as const;

/** The event that confirms the reset: the user set a new password. */
const PASSWORD_SET = 'user.account.update_password';

interface ClearSessionsPayload {
  requestId: string;
  userId: string;
}

interface WatchPayload {
  requestId: string;
  userId: string;
  /** When the reset was made, by the clock (time.ts): the window counts from here, events are read since. */
  resetAt: string;
  /** This read's number, 1 first. */
  seq: number;
  /** The policy's `afterReset` when the reset was made. */
  remindAfterHours: number;
  watchHours: number;
}

/** Enqueues what the policy says follows an Okta reset, in the transaction that completes the request. */
export async function enqueueAfterReset(
  trx: Db,
  policy: Policy,
  reset: { requestId: string; userId: string; resetAt: string },
): Promise<void> {
  const { clearSessions, confirm, remindAfterHours, watchHours } = policy.afterReset;
  const fairKey = requesterOf(trx, reset.requestId);
  if (clearSessions) {
    const payload: ClearSessionsPayload = { requestId: reset.requestId, userId: reset.userId };
    await enqueueJob(trx, {
      kind: JOB_KINDS.oktaClearSessions,
      payload: { ...payload },
      idempotencyKey: jobKeys.oktaClearSessions(reset.requestId),
      maxAttempts: 12,
      fairKey,
    });
  }
  if (confirm) await enqueueWatch(trx, { ...reset, seq: 1, remindAfterHours, watchHours });
}

/** The watcher's read `seq`, due one interval from now, and never after the window ends. */
async function enqueueWatch(trx: Db, payload: WatchPayload): Promise<void> {
  const end = Date.parse(payload.resetAt) + payload.watchHours * HOUR_MS;
  await enqueueJob(trx, {
    kind: JOB_KINDS.resetWatch,
    payload: { ...payload },
    idempotencyKey: jobKeys.resetWatch(payload.requestId, payload.seq),
    runAt: new Date(Math.min(nowMs() + RESET_WATCH_INTERVAL_MS, end)),
    maxAttempts: 12,
    fairKey: requesterOf(trx, payload.requestId),
  });
}

/** The `okta-clear-sessions` job. A failure for good is recorded on the request; the reset stands. */
export function clearSessionsJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.oktaClearSessions,
    async run(raw) {
      const { requestId, userId } = raw as unknown as ClearSessionsPayload;
      if (!(await getRequest(ctx.db, requestId))) throw new PermanentJobError(`request ${requestId} not found`);
      await auditedCall(
        ctx.db,
        requestId,
        'okta.clearUserSessions',
        { userId },
        () => ctx.okta.clearUserSessions(userId),
        () => ({ cleared: true }),
      );
    },
    async onPermanentFailure(raw, error) {
      const { requestId, userId } = raw as unknown as ClearSessionsPayload;
      if (!(await getRequest(ctx.db, requestId))) return;
      await appendAuditEvent(ctx.db, {
        requestId,
        actor: AGENT_ACTOR,
        eventType: 'Message',
        details: {
          channel: 'okta',
          kind: 'sessions_not_cleared',
          note: `The user's Okta sessions could not be ended: ${error.message}`,
          userId,
        },
      });
    },
  };
}

/** The `reset-watch` job: one read of the System Log; see the file comment. */
export function resetWatchJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.resetWatch,
    async run(raw) {
      const payload = raw as unknown as WatchPayload;
      const { requestId, userId, resetAt } = payload;
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      if (request.resetConfirmedAt !== null) return;

      const events = await auditedCall(
        ctx.db,
        requestId,
        'okta.listPasswordEvents',
        { userId, since: resetAt, eventTypes: [...PASSWORD_EVENT_TYPES] },
        () => ctx.okta.listPasswordEvents(userId, resetAt, PASSWORD_EVENT_TYPES),
        (found) => found.map((e) => ({ eventType: e.eventType, published: e.published, outcome: e.outcome })),
      );
      const set = passwordSetSince(events, resetAt);
      const elapsedMs = nowMs() - Date.parse(resetAt);
      await ctx.db.transaction().execute(async (trx) => {
        if (set) {
          if (!(await markResetConfirmed(trx, requestId, set.published))) return;
          await appendAuditEvent(trx, {
            requestId,
            actor: AGENT_ACTOR,
            eventType: 'Message',
            details: {
              channel: 'okta',
              kind: 'reset_confirmed',
              note: `reset confirmed at ${set.published}: the user set a new password in Okta`,
              confirmedAt: set.published,
              oktaEventId: set.uuid,
              userId,
            },
          });
          return;
        }
        if (elapsedMs >= payload.watchHours * HOUR_MS) {
          // Once, even if this read runs again.
          const logged = (await listAuditEvents(trx, requestId)).some(
            (e) => e.eventType === 'Message' && e.details.kind === 'reset_not_confirmed',
          );
          if (logged) return;
          await appendAuditEvent(trx, {
            requestId,
            actor: AGENT_ACTOR,
            eventType: 'Message',
            details: {
              channel: 'okta',
              kind: 'reset_not_confirmed',
              note: `reset not confirmed: Okta shows no new password within ${payload.watchHours} hours of the reset`,
              resetAt,
              userId,
            },
          });
          return;
        }
        if (elapsedMs >= payload.remindAfterHours * HOUR_MS) {
          // The email's key (email:{id}:reset_reminder) makes it once, whichever read gets here.
          const hoursSinceReset = Math.floor(elapsedMs / HOUR_MS);
          await enqueueEmail(trx, { requestId, to: request.requester, template: 'reset_reminder', hoursSinceReset });
        }
        await enqueueWatch(trx, { ...payload, seq: payload.seq + 1 });
      });
      ctx.wakeWorker();
    },
  };
}

/** The first successful "user set a password" event at or after the reset, if any. */
function passwordSetSince(events: readonly OktaLogEvent[], resetAt: string): OktaLogEvent | undefined {
  const since = Date.parse(resetAt);
  return events.find(
    (e) => e.eventType === PASSWORD_SET && (e.outcome === null || e.outcome === 'SUCCESS') && Date.parse(e.published) >= since,
  );
}
