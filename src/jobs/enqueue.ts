import type { Expression } from 'kysely';
import type { Db } from '../db/database.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import type { EmailTemplate } from '../domain/email-templates.js';
import { type EmailJobPayload, type EmailToSend, JOB_KINDS, jobKeys } from './job-kinds.js';

/**
 * Outcomes that end a request: once the requester has read one, the request is closed. Not
 * `reset_failed_approver`: the approver's copy of an outcome closes nothing.
 */
const FINAL_TEMPLATES: ReadonlySet<EmailTemplate> = new Set([
  'reset_link',
  'denied',
  'okta_reset_sent',
  'approved_manual',
  'rejected_by_approver',
  'reset_failed',
  'cancelled',
  'external_completed',
  'new_password',
]);

/**
 * A job's fair key is its request's requester, read in the insert itself (callers pass only the
 * request id), so the worker can share its slots between requesters. See claimDueJobs.
 */
export function requesterOf(db: Db, requestId: string): Expression<string | null> {
  return db.selectFrom('password_requests').select('requester').where('id', '=', requestId).$asScalar();
}

/**
 * Enqueues background work inside the caller's transaction (a transactional outbox): the state
 * change and the side effect it implies commit together or not at all.
 */
export async function enqueueEmail(db: Db, email: EmailToSend): Promise<void> {
  const payload: EmailJobPayload = { ...email, closeAfter: FINAL_TEMPLATES.has(email.template) };
  await enqueueJob(db, {
    kind: JOB_KINDS.email,
    payload,
    idempotencyKey: jobKeys.email(email.requestId, email.template, email.dedupe),
    maxAttempts: 12,
    fairKey: requesterOf(db, email.requestId),
  });
}

/** Triage, or (with `round`, the answered question's id) triage resumed after the requester's answer. */
export async function enqueueTriage(db: Db, requestId: string, round?: string): Promise<void> {
  // Many attempts: an Okta outage should delay triage, not lose the request.
  await enqueueJob(db, {
    kind: JOB_KINDS.triage,
    payload: { requestId },
    idempotencyKey: jobKeys.triage(requestId, round),
    maxAttempts: 20,
    fairKey: requesterOf(db, requestId),
  });
}

export async function enqueueOktaReset(db: Db, requestId: string): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_KINDS.oktaReset,
    payload: { requestId },
    idempotencyKey: jobKeys.oktaReset(requestId),
    maxAttempts: 12,
    fairKey: requesterOf(db, requestId),
  });
}

/** The unlock before an approved reset link (okta-unlock.job.ts); `resetUrl`: the link it sends once unlocked. */
export async function enqueueOktaUnlock(db: Db, unlock: { requestId: string; resetUrl: string | null }): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_KINDS.oktaUnlock,
    payload: { ...unlock },
    idempotencyKey: jobKeys.oktaUnlock(unlock.requestId),
    maxAttempts: 12,
    fairKey: requesterOf(db, unlock.requestId),
  });
}
