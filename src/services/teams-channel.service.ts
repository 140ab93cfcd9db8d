/**
 * The Microsoft Teams channel: every activity Teams sends to POST /api/messages lands here once
 * its Bot Framework token and tenant check out (connectors/teams). A person asks for a reset in a
 * personal chat with the bot; the conversation engine (conversation.service.ts) asks for what is
 * missing — the app as an Adaptive Card with one button per app — and files the request; its
 * status changes follow in the same chat (jobs/chat-status.job.ts). Card actions on approval
 * cards go to teams-approval.service.ts. Anything else (group chats, channels other than the
 * approvers', installs, reactions) is acknowledged and ignored.
 *
 * Identity comes from Teams, never from the text: the member's email (else userPrincipalName)
 * from the Bot Connector's member lookup is the requester, and the policy checks it against Okta
 * like any other requester's. A member Teams shows no email for is told so; nothing is filed.
 */
import type { AppContext } from '../app-context.js';
import {
  appChoiceCard,
  CARD_ACTIONS,
  cardActivity,
  type TeamsActivity,
  type TeamsConnector,
  type TeamsConversationRef,
} from '../connectors/teams/index.js';
import { rememberTeamsConversation } from '../db/repositories/teams.repository.js';
import { AppError } from '../errors/error-codes.js';
import { receiveChatMessage } from './conversation.service.js';
import { handleTeamsCardAction, type InvokeAnswer } from './teams-approval.service.js';

const NO_EMAIL =
  "I can't see the email address of your Microsoft Teams account, so I can't tell who you are. Ask IT to check your account's email in Microsoft Entra ID, or use the web form.";

/** What the route answers Teams: the Bot Framework wants 200/202 for activities, the invoke's answer for invokes. */
type TeamsAnswer = { status: 200 | 202; body?: InvokeAnswer };

/** The conversation a validated activity came from, without a channel thread's `;messageid=…`. */
const conversationIdOf = (activity: TeamsActivity) => activity.conversation.id.split(';')[0] ?? activity.conversation.id;

/**
 * One inbound request to POST /api/messages: checked (401 TEAMS_TOKEN_INVALID, 400, 503 as
 * AppErrors the route lets through), then handled. A failure after the check is logged and
 * answered 200: Teams retrying a message would only file it twice.
 */
export async function handleTeamsActivity(
  ctx: AppContext,
  teams: TeamsConnector,
  authorization: string | undefined,
  body: unknown,
): Promise<TeamsAnswer> {
  const checked = await teams.authenticate(authorization, body);
  if (!checked.ok) {
    if (checked.status === 401) ctx.logger.warn({ reason: checked.message }, 'teams: activity refused');
    throw new AppError(checked.code, checked.message);
  }
  const { activity, tenantId } = checked;
  const ref: TeamsConversationRef = { serviceUrl: activity.serviceUrl, conversationId: conversationIdOf(activity), tenantId };
  const personal = activity.conversation.conversationType === 'personal';
  const approvers = teams.approversConversation !== undefined && ref.conversationId === teams.approversConversation;
  if (!personal && !approvers) return { status: 200 };
  try {
    // Validated: from now on this conversation is written to at this service URL.
    await rememberTeamsConversation(ctx.db, { ...ref, conversationType: activity.conversation.conversationType ?? 'personal' });
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') {
      return { status: 200, body: await handleTeamsCardAction(ctx, teams, activity, ref, approvers) };
    }
    if (activity.type === 'message' && personal) {
      // Usually done well within Teams' limit; a slow LLM agent finishes after the answer instead.
      const work = converse(ctx, teams, activity, ref).catch((err: unknown) => failed(ctx, activity, err));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ANSWER_WITHIN_MS)))]);
      clearTimeout(timer);
    }
  } catch (err) {
    failed(ctx, activity, err);
  }
  return { status: activity.type === 'invoke' ? 200 : 202 };
}

/** Teams gives a bot 15 seconds to answer an activity before it reports a failure (and may send it again). */
const ANSWER_WITHIN_MS = 10_000;

function failed(ctx: AppContext, activity: TeamsActivity, err: unknown): void {
  ctx.logger.error(
    { error: err instanceof Error ? err.message : String(err), type: activity.type },
    'teams: activity could not be handled',
  );
}

/** A person's message (or an app button) in their personal chat: who they are, then the engine's replies. */
async function converse(ctx: AppContext, teams: TeamsConnector, activity: TeamsActivity, ref: TeamsConversationRef): Promise<void> {
  const choice = appChoiceOf(activity.value);
  const text = activity.text?.trim();
  if (choice === null && !text) return;
  const member = await teams.member(ref, activity.from.id);
  if (!member?.email) {
    await teams.send(ref, { text: NO_EMAIL });
    return;
  }
  const outcome = await receiveChatMessage(ctx, {
    channel: 'teams',
    key: `conv:${ref.conversationId}`,
    requester: member.email,
    author: `teams:${activity.from.aadObjectId ?? member.aadObjectId ?? activity.from.id}`,
    ...(choice !== null ? { choice } : { text }),
  });
  for (const reply of outcome.replies) {
    const choices = reply.choices ?? [];
    await teams.send(ref, choices.length > 0 ? cardActivity(reply.text, appChoiceCard(reply.text, choices)) : { text: reply.text });
  }
}

/** An app button's press arrives as a message whose `value` is the button's data (cards.ts `appChoiceCard`). */
function appChoiceOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const { action, app } = value as Record<string, unknown>;
  return action === CARD_ACTIONS.chooseApp && typeof app === 'string' && app.trim() !== '' ? app.slice(0, 200) : null;
}
