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
import { type ApprovalRequest, approvalBlocks, decidedBlocks } from '../connectors/slack/index.js';
import { listAuditEvents } from '../db/repositories/audit.repository.js';
import { getJobByKey } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import { enqueueEpisodeUpdate, findSlackApproval, recordSlackApproval } from '../db/repositories/slack-approval.repository.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import { AGENT_ACTOR } from './audited-call.js';
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
      const posted = await ctx.slack.postMessage({ channel, text: summary(view, 'waits for a decision'), blocks: approvalBlocks(view) });
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
        text: summary(view, `${decision} by ${by}`),
        blocks: decidedBlocks(view, decision, by),
      });
    },
  };
}

/** The request as the approvers see it, with its link in the web app when resetdesk's address is known. */
function approvalView(ctx: AppContext, request: PasswordRequest): ApprovalRequest {
  const base = ctx.baseUrl();
  return {
    requestId: request.id,
    requester: request.targetUser ? `${request.requester} (for ${request.targetUser})` : request.requester,
    app: request.app,
    priority: request.priority,
    rationale: request.rationale ?? '(none recorded)',
    justification: request.justification,
    ...(base ? { url: `${base.replace(/\/+$/, '')}/requests/${encodeURIComponent(request.id)}` } : {}),
  };
}

/** The notification's plain text (Slack shows it where blocks cannot be: notifications, screen readers). */
function summary(view: ApprovalRequest, state: string): string {
  return `Password reset for ${view.app} requested by ${view.requester}: ${state}.`;
}

/**
 * How the episode ended, from its audit trail: the first approver's decision, return or
 * cancellation after the Escalation event that opened it. Falls back to the request's status.
 */
async function episodeOutcome(ctx: AppContext, request: PasswordRequest, cycle: string): Promise<{ decision: string; by: string }> {
  const events = await listAuditEvents(ctx.db, request.id);
  const start = events.findIndex((e) => e.eventId === cycle);
  for (const e of start < 0 ? [] : events.slice(start + 1)) {
    if (e.eventType === 'Approval') return { decision: 'Approved', by: e.actor };
    if (e.eventType === 'Rejection' && e.actor !== AGENT_ACTOR) return { decision: 'Denied', by: e.actor };
    if (e.eventType === 'Message' && e.details.kind === 'question' && e.details.reason === 'returned') {
      return { decision: 'Returned for information', by: e.actor };
    }
    if (e.eventType === 'Message' && e.details.kind === 'cancel') {
      return { decision: 'Cancelled', by: typeof e.details.by === 'string' ? e.details.by : e.actor };
    }
  }
  if (request.manualDecision && request.decidedBy) return { decision: request.manualDecision, by: request.decidedBy };
  const status = request.status === 'Closed' && request.resolution ? request.resolution : request.status;
  return { decision: STATUS_LABELS[status], by: AGENT_ACTOR };
}
