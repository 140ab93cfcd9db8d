/**
 * The Slack channel: a person asks for a reset in a direct message to the bot (or `/reset …`,
 * which continues in the DM), the conversation engine (conversation.service.ts) asks for what is
 * missing — the app as buttons when the text is ambiguous — and files the request; its status
 * changes follow in the same DM (jobs/chat-status.job.ts). The App Home tab lists their requests.
 *
 * Identity comes from Slack, never from the text: the Slack user's email (`users.info`, scope
 * `users:read.email`) is the requester, and the policy then checks that email against Okta like
 * any other requester's (an unknown one is denied as unverifiable). A Slack user without a
 * visible email is told so, and nothing is filed.
 */
import type { AppContext } from '../app-context.js';
import { ACTION_IDS, appChoiceBlocks, homeView, type SlackConnector } from '../connectors/slack/index.js';
import { listRequests } from '../db/repositories/request.repository.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import { receiveChatMessage } from './conversation.service.js';

const NO_EMAIL =
  "I can't see the email address of your Slack account, so I can't tell who you are. Ask IT to check the resetdesk app's users:read.email permission, or use the web form.";

/** Registers the Slack listeners on the connector (called once at start-up when Slack is configured). */
export function registerSlackChannel(ctx: AppContext, slack: SlackConnector): void {
  slack.onMessage(async (m) => {
    // Direct messages only: a request is personal, and a channel is no place to ask for one.
    if (m.channelType !== 'im') return;
    await converse(ctx, slack, { userId: m.userId, channel: m.channelId, text: m.text });
  });
  slack.onSlashCommand('/reset', async (c) => {
    const channel = await slack.openDmChannel(c.userId);
    // Slack wants its answer within 3 s; the conversation (Okta, the database) may take longer.
    void converse(ctx, slack, { userId: c.userId, channel, text: c.text.trim() || 'I need a password reset' }).catch((err: Error) =>
      ctx.logger.warn({ err: err.message }, 'slack: /reset could not be answered'),
    );
    return 'Let’s do this in our direct messages: I’ve written to you there.';
  });
  slack.onAction(ACTION_IDS.chooseApp, async (a) => {
    if (!a.channelId) return;
    await converse(ctx, slack, { userId: a.userId, channel: a.channelId, choice: a.value });
  });
  // The App Home tab: the person's own requests, newest first, as they stand now.
  slack.onHomeOpened(async (userId) => {
    const email = await slack.userEmail(userId);
    const requests = email ? await listRequests(ctx.db, { visibleTo: email, limit: 20, offset: 0 }) : [];
    const rows = requests.map((r) => ({
      app: r.app,
      statusLabel: STATUS_LABELS[r.status === 'Closed' && r.resolution ? r.resolution : r.status],
      createdAt: r.createdAt,
    }));
    await slack.publishHome({ userId, view: homeView(rows) });
  });
}

/** One message of the person's DM conversation: who they are, then the engine's replies, posted back. */
async function converse(
  ctx: AppContext,
  slack: SlackConnector,
  input: { userId: string; channel: string; text?: string; choice?: string },
): Promise<void> {
  const email = await slack.userEmail(input.userId);
  if (!email) {
    await slack.postMessage({ channel: input.channel, text: NO_EMAIL });
    return;
  }
  const outcome = await receiveChatMessage(ctx, {
    channel: 'slack',
    key: `dm:${input.channel}`,
    requester: email,
    author: `slack:${input.userId}`,
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.choice !== undefined ? { choice: input.choice } : {}),
  });
  for (const reply of outcome.replies) {
    const blocks = reply.choices && reply.choices.length > 0 ? appChoiceBlocks(reply.text, reply.choices) : undefined;
    await slack.postMessage({ channel: input.channel, text: reply.text, ...(blocks ? { blocks } : {}) });
  }
}
