import { JOB_KINDS, jobKeys } from '../../jobs/job-kinds.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { enqueueJob, getJobByKey } from './job.repository.js';

/** A Teams conversation as a validated activity described it: where to write to it later. */
export interface TeamsConversation {
  conversationId: string;
  serviceUrl: string;
  tenantId: string;
  conversationType: string;
}

/** Records (or refreshes) where a conversation lives; only ever called with a validated activity's values. */
export async function rememberTeamsConversation(db: Db, c: TeamsConversation): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('teams_conversations')
    .values({
      conversation_id: c.conversationId,
      service_url: c.serviceUrl,
      tenant_id: c.tenantId,
      conversation_type: c.conversationType,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('conversation_id')
        .doUpdateSet({ service_url: c.serviceUrl, tenant_id: c.tenantId, conversation_type: c.conversationType, updated_at: now }),
    )
    .execute();
}

export async function findTeamsConversation(db: Db, conversationId: string): Promise<TeamsConversation | null> {
  const row = await db.selectFrom('teams_conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
  return row
    ? { conversationId: row.conversation_id, serviceUrl: row.service_url, tenantId: row.tenant_id, conversationType: row.conversation_type }
    : null;
}

/** Where one escalation episode's approval card was posted. */
export interface TeamsApprovalCard {
  requestId: string;
  cycle: string;
  conversationId: string;
  activityId: string;
}

/** Records the episode's card, once: a second record for the same episode changes nothing. */
export async function recordTeamsApprovalCard(db: Db, card: TeamsApprovalCard): Promise<void> {
  await db
    .insertInto('teams_approval_cards')
    .values({
      request_id: card.requestId,
      cycle: card.cycle,
      conversation_id: card.conversationId,
      activity_id: card.activityId,
      created_at: nowIso(),
    })
    .onConflict((oc) => oc.columns(['request_id', 'cycle']).doNothing())
    .execute();
}

export async function findTeamsApprovalCard(db: Db, requestId: string, cycle: string): Promise<TeamsApprovalCard | null> {
  const row = await db
    .selectFrom('teams_approval_cards')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('cycle', '=', cycle)
    .executeTakeFirst();
  return row ? { requestId: row.request_id, cycle: row.cycle, conversationId: row.conversation_id, activityId: row.activity_id } : null;
}

/** Enqueues the episode's card to the approvers' conversation; a second call for the same episode changes nothing. */
export function enqueueTeamsApprovalPost(db: Db, episode: { requestId: string; cycle: string }): Promise<boolean> {
  return enqueueJob(db, {
    kind: JOB_KINDS.teamsApprovalPost,
    payload: { ...episode },
    idempotencyKey: jobKeys.teamsApprovalPost(episode.requestId, episode.cycle),
    maxAttempts: 12,
    fairKey: db.selectFrom('password_requests').select('requester').where('id', '=', episode.requestId).$asScalar(),
  });
}

/**
 * An escalation episode ended (decided, returned, cancelled), in the transaction that ended it:
 * when the episode was sent to Teams — its post job exists — the card is updated by a job, once
 * per episode. Without Teams no post job is ever enqueued, so nothing is.
 */
export async function enqueueTeamsApprovalUpdate(db: Db, requestId: string, cycle: string, requester: string): Promise<void> {
  const sent = (await getJobByKey(db, jobKeys.teamsApprovalPost(requestId, cycle))) ?? (await findTeamsApprovalCard(db, requestId, cycle));
  if (!sent) return;
  await enqueueTeamsCardUpdate(db, requestId, cycle, requester);
}

/** Enqueues the update of one episode's card (a no-op when already enqueued for that episode). */
export async function enqueueTeamsCardUpdate(db: Db, requestId: string, cycle: string, requester: string): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_KINDS.teamsApprovalUpdate,
    payload: { requestId, cycle },
    idempotencyKey: jobKeys.teamsApprovalUpdate(requestId, cycle),
    maxAttempts: 12,
    fairKey: requester,
  });
}
