import { sql } from 'kysely';
import type { AppContext } from '../app-context.js';
import { type AgentTools, runAgent } from '../connectors/llm/index.js';
import { isUniqueViolation } from '../db/constraint-errors.js';
import type { Db } from '../db/database.js';
import { insertAgentRun, linkAgentRuns } from '../db/repositories/agent-run.repository.js';
import { listApps } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import {
  appendConversationMessage,
  type ChatChannel,
  type Conversation,
  type ConversationMessage,
  findConversation,
  insertConversation,
  linkConversationMessages,
  listConversationMessages,
  updateConversationState,
} from '../db/repositories/conversation.repository.js';
import { getRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import {
  type ChatReply,
  type ConversationState,
  cleanText,
  filedText,
  newConversation,
  offerProposedApp,
  type ReadResult,
  readChoice,
  readText,
  statusText,
} from '../domain/conversation.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import type { UserLookup } from '../domain/okta-facts.js';
import { AppError } from '../errors/error-codes.js';
import { AGENT_MODEL_ACTOR } from './agent-audit.js';
import { createRequest, getVisibleRequest } from './request.service.js';
import { replyToQuestion } from './request-lifecycle.service.js';

/** One message from a chat channel, from the person the channel verified. */
interface ChatMessageInput {
  channel: ChatChannel;
  /** The thread or direct message the conversation lives in. */
  key: string;
  /** The email the channel verified. */
  requester: string;
  /** How the channel names the person (stored with their messages). */
  author: string;
  text?: string | undefined;
  /** A button or select press: an app name the last question offered. */
  choice?: string | undefined;
}

interface ChatOutcome {
  replies: ChatReply[];
  /** The request the conversation filed (or follows); null while still asking. */
  requestId: string | null;
}

/** How resetdesk signs its own chat messages. */
const BOT_AUTHOR = 'resetdesk';
/** Stored messages are capped: a chat message is no document. */
const STORED_TEXT_MAX = 4000;
const KEY_MAX = 300;
const EMAIL_MAX = 320;
const NOT_YOURS = 'This conversation belongs to someone else; message me directly to ask for your own reset.';

/** The channel files requests as an intake principal: it has verified the person itself. */
function channelPrincipal(channel: ChatChannel): Principal {
  return { tokenId: `channel:${channel}`, email: `${channel}@channels.resetdesk`, role: 'intake' };
}

/**
 * A chat message: continues the conversation of its thread (or starts one), records the message
 * and the replies, files the request once the conversation knows enough, and afterwards answers
 * with the request's status or relays the person's answer to its open question. A request
 * createRequest refuses (cooldown, limits) is a reply, never a throw.
 */
export async function receiveChatMessage(ctx: AppContext, input: ChatMessageInput): Promise<ChatOutcome> {
  const requester = input.requester.trim().toLowerCase();
  const text = cleanText(input.text ?? '').slice(0, STORED_TEXT_MAX) || undefined;
  const choice = cleanText(input.choice ?? '').slice(0, STORED_TEXT_MAX) || undefined;
  const said = choice ?? text;
  // The channel's own mistakes, not the person's: nothing here is worth a reply.
  if (said === undefined) throw new AppError('VALIDATION_FAILED', 'A chat message needs text or a choice.');
  if (!input.key || input.key.length > KEY_MAX) throw new AppError('VALIDATION_FAILED', `key: 1 to ${KEY_MAX} characters`);
  if (!requester.includes('@') || requester.length > EMAIL_MAX) throw new AppError('VALIDATION_FAILED', 'requester: an email address');
  const author = cleanText(input.author).replace(/\s+/g, ' ').slice(0, EMAIL_MAX) || requester;
  // Aliases are names a person may type ("o365"); filing turns one into the app's name.
  const catalog = (await listApps(ctx.db)).flatMap((app) => [app.name, ...(app.aliases ?? [])]);
  const started = await openConversation(ctx, input.channel, input.key, requester);
  // Only where the deterministic reading finds no app, and before the lock: a model is slow.
  const agent = text !== undefined && choice === undefined ? await proposeWithAgent(ctx, started, text, catalog, requester) : null;

  // One message of a conversation at a time: the state is read, advanced and saved under a lock.
  const step = await ctx.db.transaction().execute(async (trx) => {
    let conversation = await lockConversation(trx, ctx, started);
    const inbound = { conversationId: conversation.id, direction: 'in' as const, author, text: said };
    // Someone else writing in the person's thread never speaks for them.
    if (conversation.requester !== requester) {
      await appendConversationMessage(trx, { ...inbound, requestId: conversation.requestId });
      return { conversation, replies: [{ text: NOT_YOURS }] };
    }
    if (text && conversation.state.step === 'filed') conversation = await restartAfterClosed(trx, conversation, text, catalog);
    await appendConversationMessage(trx, { ...inbound, requestId: conversation.requestId });
    if (conversation.state.step === 'filed') return { conversation, replies: null };
    let read =
      choice !== undefined
        ? readChoice(conversation.state, choice, catalog, requester)
        : readText(conversation.state, said, catalog, requester);
    if (agent) {
      // The agent's app is only ever offered, for the person to confirm; its proposal is kept to
      // compare with the policy's decision.
      read = offerProposedApp(read, agent.app, catalog) ?? read;
      read = { ...read, state: { ...read.state, agent } };
    }
    await updateConversationState(trx, conversation.id, read.state);
    return { conversation, replies: read.ready ? null : read.replies, read };
  });
  const { conversation } = step;
  if (step.replies !== null) return answer(ctx, conversation, conversation.requestId, step.replies);
  if (step.read?.ready) return file(ctx, conversation, requester, step.read);
  return followUp(ctx, conversation, { text, choice });
}

/** The chat messages of a request the principal may see, oldest first. */
export async function conversationMessages(ctx: AppContext, principal: Principal, requestId: string): Promise<ConversationMessage[]> {
  await getVisibleRequest(ctx, principal, requestId);
  return listConversationMessages(ctx.db, requestId);
}

/** The conversation of a thread; two first messages at once both end up with the one the unique index let in. */
async function openConversation(ctx: AppContext, channel: ChatChannel, key: string, requester: string): Promise<Conversation> {
  const found = await findConversation(ctx.db, channel, key);
  if (found) return found;
  try {
    return await insertConversation(ctx.db, { channel, externalKey: key, requester, state: newConversation() });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await findConversation(ctx.db, channel, key);
    if (!winner) throw err;
    return winner;
  }
}

/** Takes the conversation's lock (PostgreSQL; SQLite runs one transaction at a time) and reads it fresh. */
async function lockConversation(trx: Db, ctx: AppContext, conversation: Conversation): Promise<Conversation> {
  if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`conversation:${conversation.id}`}))`.execute(trx);
  return (await findConversation(trx, conversation.channel, conversation.externalKey)) ?? conversation;
}

/**
 * Once its request is closed, a message naming an app starts a new conversation in the same
 * thread (a direct message lives on); anything else is still about the closed request.
 */
async function restartAfterClosed(trx: Db, conversation: Conversation, text: string, catalog: string[]): Promise<Conversation> {
  const request = conversation.requestId ? await getRequest(trx, conversation.requestId) : null;
  if (request?.status !== 'Closed') return conversation;
  const probe = readText(newConversation(), text, catalog, conversation.requester);
  if (probe.state.slots.app === null && probe.state.offered.length === 0) return conversation;
  await updateConversationState(trx, conversation.id, newConversation(), null);
  return { ...conversation, state: newConversation(), requestId: null };
}

/** Records the replies as outbound messages and returns them. */
async function answer(ctx: AppContext, conversation: Conversation, requestId: string | null, replies: ChatReply[]): Promise<ChatOutcome> {
  for (const reply of replies) {
    await appendConversationMessage(ctx.db, {
      conversationId: conversation.id,
      requestId,
      direction: 'out',
      author: BOT_AUTHOR,
      text: reply.text,
    });
  }
  return { replies, requestId };
}

/** Files the request the conversation gathered; a refusal starts the conversation over. */
async function file(ctx: AppContext, conversation: Conversation, requester: string, read: ReadResult): Promise<ChatOutcome> {
  const ready = read.ready;
  if (!ready) return answer(ctx, conversation, null, read.replies);
  const channel = conversation.channel;
  try {
    // Linked in the filing transaction: the worker may decide the request at once, and the
    // decision reads the conversation (the agent's proposal beside the policy's decision).
    const filed = await createRequest(
      ctx,
      channelPrincipal(channel),
      { app: ready.app, justification: ready.justification, targetUser: ready.targetUser ?? undefined, requester, channel },
      async (trx, { request, existing }) => {
        const requestId = request.id;
        await updateConversationState(trx, conversation.id, read.state, requestId);
        await linkConversationMessages(trx, conversation.id, requestId);
        await linkAgentRuns(trx, conversation.id, requestId);
        // What the model proposed, what it cost, and what it tried that was refused.
        const agent = read.state.agent;
        if (agent && !existing) {
          await appendAuditEvent(trx, {
            requestId,
            actor: AGENT_MODEL_ACTOR,
            eventType: 'Message',
            details: { kind: 'agent_proposal', ...agent },
          });
        }
      },
    );
    const requestId = filed.request.id;
    return answer(ctx, conversation, requestId, [{ text: filedText({ ...ready, existing: filed.existing }) }]);
  } catch (err) {
    // Whatever went wrong, the conversation must not stay "filed" without a request.
    await updateConversationState(ctx.db, conversation.id, err instanceof AppError ? newConversation() : collecting(read.state));
    if (!(err instanceof AppError)) throw err;
    return answer(ctx, conversation, null, [{ text: `I couldn't file that request: ${err.message}` }]);
  }
}

/** A state that is all but filed: the next message files it again. */
function collecting(state: ConversationState): ConversationState {
  return { ...state, step: 'collecting' };
}

/** A message after filing: relayed as the answer when the request waits for one, otherwise answered with the request's status. */
async function followUp(
  ctx: AppContext,
  conversation: Conversation,
  said: { text: string | undefined; choice: string | undefined },
): Promise<ChatOutcome> {
  const request = conversation.requestId ? await getRequest(ctx.db, conversation.requestId) : null;
  if (!request) return answer(ctx, conversation, conversation.requestId, [{ text: "I'm filing your request; one moment, please." }]);
  if (request.status === 'Closed') {
    return answer(ctx, conversation, request.id, [{ text: `${statusView(request)} Need another reset? Tell me which app.` }]);
  }
  const question = request.status === 'Waiting' ? request.question : null;
  if (question === null) return answer(ctx, conversation, request.id, [{ text: statusView(request) }]);
  try {
    if (question.reason === 'verification_timeout') {
      const restarted = await replyToQuestion(ctx, channelPrincipal(conversation.channel), request.id, {});
      return answer(ctx, conversation, request.id, [{ text: statusView(restarted) }]);
    }
    const reply = question.reason === 'app_ambiguous' ? { app: said.choice ?? said.text } : { message: said.text ?? said.choice };
    await replyToQuestion(ctx, channelPrincipal(conversation.channel), request.id, reply);
    return answer(ctx, conversation, request.id, [{ text: "Thanks, I've sent your answer." }]);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return answer(ctx, conversation, request.id, [{ text: `I couldn't send that: ${err.message}` }]);
  }
}

/** The request's status as one chat line. */
function statusView(request: PasswordRequest): string {
  return statusText({
    status: request.status,
    statusLabel: STATUS_LABELS[request.status],
    app: request.app,
    rationale: request.rationale,
    question: request.question,
    resolution: request.resolution,
  });
}

/**
 * The LLM agent's proposal for a message the deterministic reading cannot place (no app found):
 * it may read the catalog and the requester's own Okta user and app links, nothing else, and only
 * proposes (connectors/llm). Null without LLM_*, when the text names an app already, or when the
 * model is unavailable or answers nonsense — the deterministic questions go on either way.
 */
async function proposeWithAgent(
  ctx: AppContext,
  conversation: Conversation,
  text: string,
  catalog: readonly string[],
  requester: string,
): Promise<ConversationState['agent'] | null> {
  const llm = ctx.llm;
  if (!llm || conversation.state.step !== 'collecting' || conversation.state.slots.app !== null) return null;
  if (readText(conversation.state, text, catalog, requester).state.slots.app !== null) return null;
  // The requester's Okta user, looked up once for both tools that need it.
  let user: Promise<UserLookup> | undefined;
  const lookup = () => {
    user ??= ctx.okta.findUser(requester);
    return user;
  };
  const tools: AgentTools = {
    listCatalogApps: async () => [...catalog],
    findOktaUser: async () => {
      const found = await lookup();
      return found.kind === 'found' ? { status: found.user.status } : null;
    },
    listUserAppLinks: async () => {
      const found = await lookup();
      return found.kind === 'found' ? assignedCatalogApps(ctx, found.user.id) : [];
    },
  };
  // Every run is recorded, failed ones too, to see what the model costs and how fast it answers (GET /api/v1/stats).
  const run = { conversationId: conversation.id, model: llm.model };
  const started = performance.now();
  let result: Awaited<ReturnType<typeof runAgent>>;
  try {
    result = await runAgent(llm, { text, requesterEmail: requester, tools });
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'llm agent unavailable; the deterministic reading goes on');
    // A failed run's tokens are unknown: the provider may still bill the calls that answered.
    const errorCode = err instanceof AppError ? err.code : 'INTERNAL';
    const latencyMs = Math.round(performance.now() - started);
    await insertAgentRun(ctx.db, {
      ...run,
      outcome: 'failed',
      errorCode,
      promptTokens: 0,
      completionTokens: 0,
      latencyMs,
      rejectedCalls: 0,
    });
    return null;
  }
  ctx.logger.info({ usage: result.usage, latencyMs: result.latencyMs, rejected: result.rejected.length }, 'llm agent ran');
  const p = result.proposal;
  await insertAgentRun(ctx.db, {
    ...run,
    outcome: p ? 'proposed' : 'no_proposal',
    errorCode: null,
    ...result.usage,
    latencyMs: result.latencyMs,
    rejectedCalls: result.rejected.length,
  });
  return {
    app: p?.app ?? null,
    decision: p?.decision ?? null,
    reason: p?.reason ?? null,
    usage: result.usage,
    latencyMs: result.latencyMs,
    rejected: result.rejected,
  };
}

/** The catalog apps the Okta user is assigned to (at most 30 looked up): their app links, as the agent may see them. */
async function assignedCatalogApps(ctx: AppContext, userId: string): Promise<string[]> {
  const apps = (await listApps(ctx.db)).filter((a) => a.oktaAppId !== null).slice(0, 30);
  const assigned = await Promise.all(apps.map(async (a) => ((await ctx.okta.isAssigned(a.oktaAppId ?? '', userId)) ? a.name : null)));
  return assigned.filter((name): name is string => name !== null);
}
