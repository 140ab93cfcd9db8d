import type { AppContext } from '../app-context.js';
import { appendConversationMessage, conversationsForRequest } from '../db/repositories/conversation.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import { findTeamsConversation } from '../db/repositories/teams.repository.js';
import { statusText } from '../domain/conversation.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import { AGENT_ACTOR } from './audited-call.js';
import { JOB_KINDS } from './job-kinds.js';
import type { JobHandler } from './worker.js';

/**
 * Posts a request's new status in the chat conversation it was filed from, so the requester
 * follows it where they asked (enqueued by transitionRequest for slack and teams requests). The
 * line is the status it was enqueued for, not the current one: each change is told once, in
 * order, even when the request has moved on by the time the job runs. A channel that is not
 * configured (any more) has nobody to tell: the job does nothing.
 */
export function chatStatusJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.chatStatus,
    async run(raw) {
      const { requestId, status } = raw as { requestId: string; status: keyof typeof STATUS_LABELS };
      const request = await getRequest(ctx.db, requestId);
      if (!request) return;
      const text = statusText({
        status,
        statusLabel: STATUS_LABELS[status] ?? status,
        app: request.app,
        rationale: request.rationale,
        question: status === 'Waiting' ? request.question : null,
      });
      for (const conversation of await conversationsForRequest(ctx.db, requestId)) {
        if (conversation.channel === 'slack' && ctx.slack) {
          await ctx.slack.postMessage({ channel: slackChannelOf(conversation.externalKey), text });
        } else if (conversation.channel === 'teams' && ctx.teams) {
          // Written where the person's last validated activity came from (teams-channel.service.ts).
          const known = await findTeamsConversation(ctx.db, teamsConversationOf(conversation.externalKey));
          if (!known) continue;
          await ctx.teams.send({ serviceUrl: known.serviceUrl, conversationId: known.conversationId, tenantId: known.tenantId }, { text });
        } else continue;
        await appendConversationMessage(ctx.db, {
          conversationId: conversation.id,
          requestId,
          direction: 'out',
          author: AGENT_ACTOR,
          text,
        });
      }
    },
  };
}

/** A Slack conversation's key is `dm:<channel id>` (services/slack-channel.service.ts). */
function slackChannelOf(key: string): string {
  return key.replace(/^dm:/, '');
}

/** A Teams conversation's key is `conv:<conversation id>` (services/teams-channel.service.ts). */
function teamsConversationOf(key: string): string {
  return key.replace(/^conv:/, '');
}
