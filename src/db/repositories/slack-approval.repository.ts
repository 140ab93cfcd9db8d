import { JOB_KINDS, jobKeys } from '../../jobs/job-kinds.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { enqueueJob, getJobByKey } from './job.repository.js';

/** Where one escalation episode of a request was posted in the approvers' channel. */
export interface SlackApprovalMessage {
  requestId: string;
  /** The episode: the id of the Escalation audit event that opened it. */
  cycle: string;
  channel: string;
  ts: string;
  createdAt: string;
}

/**
 * Records the episode's message, once: a second record for the same episode (a retried job)
 * changes nothing. Returns whether this call recorded it.
 */
export async function recordSlackApproval(
  db: Db,
  message: { requestId: string; cycle: string; channel: string; ts: string },
): Promise<boolean> {
  const result = await db
    .insertInto('slack_approval_messages')
    .values({ request_id: message.requestId, cycle: message.cycle, channel: message.channel, ts: message.ts, created_at: nowIso() })
    .onConflict((oc) => oc.columns(['request_id', 'cycle']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The episode's message, or null when none was posted (yet). */
export async function findSlackApproval(db: Db, requestId: string, cycle: string): Promise<SlackApprovalMessage | null> {
  const row = await db
    .selectFrom('slack_approval_messages')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('cycle', '=', cycle)
    .executeTakeFirst();
  return row ? { requestId: row.request_id, cycle: row.cycle, channel: row.channel, ts: row.ts, createdAt: row.created_at } : null;
}

/**
 * Enqueues the episode's message to the approvers' channel (the notify-approvers job, once the
 * group's emails are enqueued); a second call for the same episode changes nothing. Returns
 * whether it was new.
 */
export function enqueueSlackApprovalPost(db: Db, episode: { requestId: string; cycle: string }): Promise<boolean> {
  return enqueueJob(db, {
    kind: JOB_KINDS.slackApprovalPost,
    payload: { ...episode },
    idempotencyKey: jobKeys.slackApprovalPost(episode.requestId, episode.cycle),
    maxAttempts: 12,
    fairKey: db.selectFrom('password_requests').select('requester').where('id', '=', episode.requestId).$asScalar(),
  });
}

/**
 * An escalation episode ended (decided, returned, cancelled), in the transaction that ended it:
 * when the episode was sent to Slack's approvers' channel — its post job exists — the message is
 * updated by a job (jobs/slack-approval.jobs.ts), once per episode. Without Slack no post job is
 * ever enqueued, so nothing is. `cycle` is the episode: the request's latest Escalation event.
 */
export async function enqueueSlackApprovalUpdate(db: Db, requestId: string, cycle: string, requester: string): Promise<void> {
  const sent = (await getJobByKey(db, jobKeys.slackApprovalPost(requestId, cycle))) ?? (await findSlackApproval(db, requestId, cycle));
  if (!sent) return;
  await enqueueEpisodeUpdate(db, requestId, cycle, requester);
}

/** Enqueues the update of one episode's message (a no-op when already enqueued for that episode). */
export async function enqueueEpisodeUpdate(db: Db, requestId: string, cycle: string, requester: string): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_KINDS.slackApprovalUpdate,
    payload: { requestId, cycle },
    idempotencyKey: jobKeys.slackApprovalUpdate(requestId, cycle),
    maxAttempts: 12,
    fairKey: requester,
  });
}
