/**
 * Approvals in Slack: the buttons of the approvers' channel message (jobs/slack-approval.jobs.ts
 * posts it). Approve decides at once; Deny and Ask for info open a modal for the comment or the
 * question, and decide when it is submitted.
 *
 * Whoever presses is identified by their Slack account's email (`users.info`), never by anything
 * in the payload, and acts as an approver principal `slack:<user id>`: approveRequest,
 * denyRequest and returnRequest then apply every rule the web app does — an active member of the
 * request's approver group in Okta, never for one's own account, a request still waiting for a
 * decision. Admins are not special here (no break-glass from Slack). A refusal changes nothing and
 * is told to the presser alone: an ephemeral message, or the modal's field error.
 */
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import {
  ACTION_IDS,
  COMMENT_BLOCK_ID,
  commentModal,
  DECISION_COMMENT_CALLBACK_ID,
  type SlackConnector,
} from '../connectors/slack/index.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { isAppError } from '../errors/error-codes.js';
import { approveRequest, denyRequest, returnRequest } from './request.service.js';

const NO_EMAIL =
  "I can't see the email address of your Slack account, so I can't tell whether you may decide this request. Ask IT to check the resetdesk app's users:read.email permission, or decide in resetdesk's web app.";
const FAILED = 'Something went wrong and nothing was changed. Try again, or decide in resetdesk’s web app.';
const NO_QUESTION = 'Write the question the requester should answer.';
/** As the API takes a comment or a question (http/api-schemas.ts): at most 2,000 characters, no control characters but tabs and line breaks. */
const COMMENT_MAX = 2000;

/** What the comment modal carries from the button to its submission (blocks.ts `commentModal`). */
const modalMetadata = z.object({ kind: z.enum(['deny', 'ask_info']), requestId: z.string().min(1).max(100) });

/** Registers the approval buttons and the comment modal (called once at start-up when Slack is configured). */
export function registerSlackApprovals(ctx: AppContext, slack: SlackConnector): void {
  slack.onAction(ACTION_IDS.approve, async (a) => {
    const tell = (text: string) => whisper(slack, a, text);
    const approver = await approverOf(slack, a.userId);
    if (!approver) return tell(NO_EMAIL);
    try {
      await approveRequest(ctx, approver, a.value, {});
    } catch (err) {
      await tell(refusal(ctx, err, a.value));
    }
  });
  for (const [actionId, kind] of [
    [ACTION_IDS.deny, 'deny'],
    [ACTION_IDS.askInfo, 'ask_info'],
  ] as const) {
    // The trigger expires in 3 seconds: the modal opens first, the rules are applied on submit.
    slack.onAction(actionId, async (a) => {
      if (!a.triggerId) return;
      await slack.openModal({ triggerId: a.triggerId, view: commentModal(kind, a.value) });
    });
  }
  slack.onViewSubmission(DECISION_COMMENT_CALLBACK_ID, async (s) => {
    const fieldError = (text: string) => ({ errors: { [COMMENT_BLOCK_ID]: text } });
    const metadata = parseMetadata(s.privateMetadata);
    if (!metadata) return fieldError(FAILED);
    const comment = withoutControls(s.values[COMMENT_BLOCK_ID] ?? '').trim();
    if (metadata.kind === 'ask_info' && comment === '') return fieldError(NO_QUESTION);
    if (comment.length > COMMENT_MAX) return fieldError(`Keep it to ${COMMENT_MAX} characters.`);
    try {
      const approver = await approverOf(slack, s.userId);
      if (!approver) return fieldError(NO_EMAIL);
      if (metadata.kind === 'deny') await denyRequest(ctx, approver, metadata.requestId, { comment: comment || undefined });
      else await returnRequest(ctx, approver, metadata.requestId, { question: comment });
    } catch (err) {
      return fieldError(refusal(ctx, err, metadata.requestId));
    }
    return undefined;
  });
}

/** The text without control characters other than tabs and line breaks (PostgreSQL refuses NUL; the API refuses them all). */
function withoutControls(text: string): string {
  const control = (c: number) => (c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
  return Array.from(text)
    .filter((ch) => !control(ch.codePointAt(0) ?? 0))
    .join('');
}

/** The person pressing, as an approver principal; null when Slack shows no email for them. */
async function approverOf(slack: SlackConnector, userId: string): Promise<Principal | null> {
  const email = await slack.userEmail(userId);
  return email ? { tokenId: `slack:${userId}`, email, role: 'approver' } : null;
}

function parseMetadata(raw: string): z.infer<typeof modalMetadata> | null {
  try {
    const parsed = modalMetadata.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Why nothing changed, for the presser: the rule's own message, or a generic one for anything unexpected (logged). */
function refusal(ctx: AppContext, err: unknown, requestId: string): string {
  if (isAppError(err)) return err.message;
  ctx.logger.error({ requestId, error: err instanceof Error ? err.message : String(err) }, 'slack: a decision failed');
  return FAILED;
}

/** Tells the presser alone: ephemeral in the channel they pressed in, else in their DM with the bot. */
async function whisper(slack: SlackConnector, a: { userId: string; channelId: string | null }, text: string): Promise<void> {
  if (a.channelId) {
    await slack.postEphemeral({ channel: a.channelId, user: a.userId, text });
    return;
  }
  await slack.postMessage({ channel: await slack.openDmChannel(a.userId), text });
}
