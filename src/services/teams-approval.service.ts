/**
 * Approvals in Teams: the Universal Actions (`Action.Execute`) of the approval card
 * (jobs/teams-approval.jobs.ts posts it). Teams sends each press as an `adaptiveCard/action`
 * invoke and shows the answer at once to the person who pressed: the card's new state, or a
 * message for them alone. Everyone else sees the decided card when the update job replaces it
 * (and `refresh` shows anyone who opens the card its current state).
 *
 * Whoever presses is identified by the Bot Connector's member lookup (email, else
 * userPrincipalName), never by the card's data, and acts as an approver principal
 * `teams:<aadObjectId>`: approveRequest, denyRequest and returnRequest then apply every rule the
 * web app does — an active member of the request's approver group in Okta, never one's own
 * request, a request still waiting for a decision. A refusal changes nothing and is told to the
 * presser alone. Only cards in the configured approvers' conversation are acted on.
 */
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import {
  approvalCard,
  CARD_ACTIONS,
  COMMENT_INPUT_ID,
  decidedCard,
  type TeamsActivity,
  type TeamsConnector,
  type TeamsConversationRef,
} from '../connectors/teams/index.js';
import { latestEscalationId } from '../db/repositories/audit.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { isAppError } from '../errors/error-codes.js';
import { approvalView, episodeOutcome } from '../jobs/approval-episode.js';
import { approveRequest, denyRequest, returnRequest } from './request.service.js';

/** The body of the invoke's answer (Universal Actions' adaptiveCard/action response). */
export type InvokeAnswer =
  | { statusCode: 200; type: 'application/vnd.microsoft.card.adaptive'; value: unknown }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string };

const NO_EMAIL =
  "I can't see the email address of your Microsoft Teams account, so I can't tell whether you may decide this request. Decide in resetdesk's web app.";
const FAILED = 'Something went wrong and nothing was changed. Try again, or decide in resetdesk’s web app.';
const NO_QUESTION = 'Write the question the requester should answer in the box, then press Ask for info.';
const NOT_HERE = 'This card is not handled in this conversation.';
const COMMENT_MAX = 2000;

const invokeValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.enum([CARD_ACTIONS.approve, CARD_ACTIONS.deny, CARD_ACTIONS.askInfo, CARD_ACTIONS.refresh]),
    data: z.looseObject({ requestId: z.string().min(1).max(100), [COMMENT_INPUT_ID]: z.string().max(20_000).optional() }),
  }),
});

const tell = (text: string): InvokeAnswer => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text });
const show = (card: unknown): InvokeAnswer => ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card });

/** One press on an approval card (or Teams asking for its current state). */
export async function handleTeamsCardAction(
  ctx: AppContext,
  teams: TeamsConnector,
  activity: TeamsActivity,
  ref: TeamsConversationRef,
  inApproversConversation: boolean,
): Promise<InvokeAnswer> {
  const parsed = invokeValue.safeParse(activity.value);
  if (!parsed.success) return tell('This button is not one resetdesk knows.');
  if (!inApproversConversation) return tell(NOT_HERE);
  const { verb, data } = parsed.data.action;
  if (verb === CARD_ACTIONS.refresh) return show(await currentCard(ctx, data.requestId));

  const comment = withoutControls(data[COMMENT_INPUT_ID] ?? '').trim();
  if (verb === CARD_ACTIONS.askInfo && comment === '') return tell(NO_QUESTION);
  if (comment.length > COMMENT_MAX) return tell(`Keep the comment to ${COMMENT_MAX} characters.`);
  const member = await teams.member(ref, activity.from.id);
  if (!member?.email) return tell(NO_EMAIL);
  const approver: Principal = {
    tokenId: `teams:${activity.from.aadObjectId ?? member.aadObjectId ?? activity.from.id}`,
    email: member.email,
    role: 'approver',
  };
  try {
    if (verb === CARD_ACTIONS.approve) await approveRequest(ctx, approver, data.requestId, comment ? { comment } : {});
    else if (verb === CARD_ACTIONS.deny) await denyRequest(ctx, approver, data.requestId, comment ? { comment } : {});
    else await returnRequest(ctx, approver, data.requestId, { question: comment });
  } catch (err) {
    if (isAppError(err)) return tell(err.message);
    ctx.logger.error({ requestId: data.requestId, error: err instanceof Error ? err.message : String(err) }, 'teams: a decision failed');
    return tell(FAILED);
  }
  return show(await currentCard(ctx, data.requestId));
}

/** The card as it stands: buttons while the request waits for a decision, else who decided what. */
async function currentCard(ctx: AppContext, requestId: string): Promise<unknown> {
  const request = await getRequest(ctx.db, requestId);
  if (!request)
    return decidedCard(
      { requestId, requester: '—', app: '—', priority: '—', rationale: '—', justification: null },
      'Not found',
      'resetdesk',
    );
  const view = approvalView(ctx, request);
  if (request.status === 'Escalated' && request.manualDecision === null) return approvalCard(view);
  const cycle = await latestEscalationId(ctx.db, requestId);
  const { decision, by } = cycle ? await episodeOutcome(ctx, request, cycle) : { decision: request.status, by: 'resetdesk' };
  return decidedCard(view, decision, by);
}

/** The text without control characters other than tabs and line breaks (PostgreSQL refuses NUL; the API refuses them all). */
function withoutControls(text: string): string {
  const control = (c: number) => (c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
  return Array.from(text)
    .filter((ch) => !control(ch.codePointAt(0) ?? 0))
    .join('');
}
