/**
 * Approvals in Slack: each escalation episode is posted to the approvers' channel
 * (`slack.approversChannel`) with Approve / Deny / Ask for info buttons, and the message is
 * updated once the episode ends — decided, returned or cancelled, by anyone, anywhere (web, API,
 * Slack). The buttons themselves are handled in services/slack-approval.service.ts.
 *
 *  - `slack-approval-post` (key `slack-approval-post:{requestId}:{cycle}`), enqueued by the
 *    notify-approvers job (escalation.jobs.ts) when Slack is configured: posts the message unless
 *    the episode is over, and records where it went (`slack_approval_messages`, unique per
 *    episode, so a retry after the record never posts twice).
 *  - `slack-approval-update` (key `slack-approval-update:{requestId}:{cycle}`), enqueued in the
 *    transaction that ends the episode (request.repository.ts: a transition out of Escalated, or
 *    claimManualDecision — an approved Okta reset stays Escalated until its job completes), only
 *    when the episode was sent to Slack: replaces the buttons with who decided what, read from the
 *    audit trail of the episode. While the post job is still open it waits (retryable error); a
 *    post that lost the race to a decision enqueues the update itself.
 * Without Slack (no longer) configured, both do nothing. Slack failures are SLACK_UNAVAILABLE
 * (retried) or SLACK_ERROR (failed for good); the request itself never depends on Slack.
 */
import type { AppContext } from '../app-context.js';
import { approvalBlocks, decidedBlocks } from '../connectors/slack/index.js';
import { getJobByKey } from '../db/repositories/job.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import { enqueueEpisodeUpdate, findSlackApproval, recordSlackApproval } from '../db/repositories/slack-approval.repository.js';
import { approvalSummary, approvalView, episodeOutcome } from './approval-episode.js';
import { stillAwaiting } from './escalation.jobs.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

/** One escalation episode: `cycle` is the id of the Escalation audit event that opened it. */
interface EpisodePayload {
  requestId: string;
  cycle: string;
}

/** The `slack-approval-post` job: the episode's message in the approvers' channel, once. */
export function slackApprovalPostJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.slackApprovalPost,
    async run(raw) {
      const { requestId, cycle } = raw as unknown as EpisodePayload;
      const channel = ctx.config.slack?.approversChannel;
      if (!ctx.slack || !channel) return;
      if (await findSlackApproval(ctx.db, requestId, cycle)) return;
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      // Decided (or returned, cancelled, escalated again) before it could be posted: nothing to ask.
      if (!(await stillAwaiting(ctx, request, cycle))) return;
      const view = approvalView(ctx, request);
      const posted = await ctx.slack.postMessage({
        channel,
        text: approvalSummary(view, 'waits for a decision'),
        blocks: approvalBlocks(view),
      });
      await recordSlackApproval(ctx.db, { requestId, cycle, channel: posted.channel, ts: posted.ts });
      // Decided while this was posting: the decision's update job may have found no message yet.
      const now = await getRequest(ctx.db, requestId);
      if (now && !(await stillAwaiting(ctx, now, cycle))) {
        await enqueueEpisodeUpdate(ctx.db, requestId, cycle, now.requester);
        ctx.wakeWorker();
      }
    },
  };
}

/** The `slack-approval-update` job: the episode's buttons give way to who decided what. */
export function slackApprovalUpdateJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.slackApprovalUpdate,
    async run(raw) {
      const { requestId, cycle } = raw as unknown as EpisodePayload;
      if (!ctx.slack) return;
      const message = await findSlackApproval(ctx.db, requestId, cycle);
      if (!message) {
        const post = await getJobByKey(ctx.db, jobKeys.slackApprovalPost(requestId, cycle));
        // Retryable (not an AppError): the worker backs off and runs this job again.
        if (post && (post.status === 'pending' || post.status === 'running')) {
          throw new Error(`the Slack approval message of request ${requestId} is not posted yet`);
        }
        return;
      }
      const request = await getRequest(ctx.db, requestId);
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      const { decision, by } = await episodeOutcome(ctx, request, cycle);
      const view = approvalView(ctx, request);
      await ctx.slack.updateMessage({
        channel: message.channel,
        ts: message.ts,
        text: approvalSummary(view, `${decision} by ${by}`),
        blocks: decidedBlocks(view, decision, by),
      });
    },
  };
}
