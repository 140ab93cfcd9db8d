/**
 * Approvals in Microsoft Teams: each escalation episode is posted to the approvers' conversation
 * (`TEAMS_APPROVERS_CONVERSATION`) as an Adaptive Card with Approve / Deny / Ask for info, and the
 * card is updated once the episode ends — decided, returned or cancelled, by anyone, anywhere
 * (web, API, Slack, Teams). The card's actions are handled in services/teams-approval.service.ts.
 *
 *  - `teams-approval-post` (key `teams-approval-post:{requestId}:{cycle}`), enqueued by the
 *    notify-approvers job (escalation.jobs.ts) when an approvers' conversation is configured:
 *    posts the card unless the episode is over, and records the activity id (`teams_approval_cards`,
 *    unique per episode: a retry after the record never posts twice).
 *  - `teams-approval-update` (key `teams-approval-update:{requestId}:{cycle}`), enqueued in the
 *    transaction that ends the episode (request.repository.ts), only when the episode was sent
 *    to Teams: replaces the card with who decided what. While the post job is still open it waits
 *    (retryable error); a post that lost the race to a decision enqueues the update itself.
 * Without Teams (no longer) configured, both do nothing; the request never depends on Teams.
 */
import type { AppContext } from '../app-context.js';
import { approvalCard, cardActivity, decidedCard, type TeamsConversationRef } from '../connectors/teams/index.js';
import { getJobByKey } from '../db/repositories/job.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import {
  enqueueTeamsCardUpdate,
  findTeamsApprovalCard,
  findTeamsConversation,
  recordTeamsApprovalCard,
} from '../db/repositories/teams.repository.js';
import { approvalSummary, approvalView, episodeOutcome } from './approval-episode.js';
import { stillAwaiting } from './escalation.jobs.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

interface EpisodePayload {
  requestId: string;
  cycle: string;
}

/** The `teams-approval-post` job: the episode's card in the approvers' conversation, once. */
export function teamsApprovalPostJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.teamsApprovalPost,
    async run(raw) {
      const { requestId, cycle } = raw as unknown as EpisodePayload;
      const conversation = ctx.teams?.approversConversation;
      if (!ctx.teams || !conversation) return;
      if (await findTeamsApprovalCard(ctx.db, requestId, cycle)) return;
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      if (!(await stillAwaiting(ctx, request, cycle))) return;
      const view = approvalView(ctx, request);
      const posted = await ctx.teams.send(
        await teamsRef(ctx, conversation),
        cardActivity(approvalSummary(view, 'waits for a decision'), approvalCard(view)),
      );
      await recordTeamsApprovalCard(ctx.db, { requestId, cycle, conversationId: conversation, activityId: posted.id });
      // Decided while this was posting: the decision's update job may have found no card yet.
      const now = await getRequest(ctx.db, requestId);
      if (now && !(await stillAwaiting(ctx, now, cycle))) {
        await enqueueTeamsCardUpdate(ctx.db, requestId, cycle, now.requester);
        ctx.wakeWorker();
      }
    },
  };
}

/** The `teams-approval-update` job: the episode's buttons give way to who decided what. */
export function teamsApprovalUpdateJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.teamsApprovalUpdate,
    async run(raw) {
      const { requestId, cycle } = raw as unknown as EpisodePayload;
      if (!ctx.teams) return;
      const card = await findTeamsApprovalCard(ctx.db, requestId, cycle);
      if (!card) {
        const post = await getJobByKey(ctx.db, jobKeys.teamsApprovalPost(requestId, cycle));
        // Retryable (not an AppError): the worker backs off and runs this job again.
        if (post && (post.status === 'pending' || post.status === 'running')) {
          throw new Error(`the Teams approval card of request ${requestId} is not posted yet`);
        }
        return;
      }
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      const { decision, by } = await episodeOutcome(ctx, request, cycle);
      const view = approvalView(ctx, request);
      await ctx.teams.update(
        await teamsRef(ctx, card.conversationId),
        card.activityId,
        cardActivity(approvalSummary(view, `${decision} by ${by}`), decidedCard(view, decision, by)),
      );
    },
  };
}

/**
 * Where to write to a conversation: as a validated activity from it last described it, else
 * (never heard from yet: the approvers' conversation) the configured Bot Connector service.
 */
async function teamsRef(ctx: AppContext, conversationId: string): Promise<TeamsConversationRef> {
  const known = await findTeamsConversation(ctx.db, conversationId);
  if (known) return { serviceUrl: known.serviceUrl, conversationId, tenantId: known.tenantId };
  const teams = ctx.teams;
  if (!teams) throw new PermanentJobError('Microsoft Teams is not configured');
  return { serviceUrl: teams.serviceUrl, conversationId, tenantId: teams.tenantId };
}
