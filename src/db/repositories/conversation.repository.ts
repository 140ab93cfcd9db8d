import { z } from 'zod';
import { type ConversationState, newConversation } from '../../domain/conversation.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

/** The chat platforms a conversation can live on. */
export type ChatChannel = 'slack' | 'teams';

/** A chat conversation as the application sees it. */
export interface Conversation {
  id: string;
  channel: ChatChannel;
  /** The thread or direct message it lives in, as the channel names it. */
  externalKey: string;
  requester: string;
  state: ConversationState;
  requestId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationMessage {
  id: string;
  conversationId: string;
  requestId: string | null;
  direction: 'in' | 'out';
  author: string;
  text: string;
  createdAt: string;
}

/** The most messages a request's conversation view lists. */
const CONVERSATION_MESSAGES_MAX = 500;

/*
 * The stored state is checked on the way in: a row written by an older release (or by hand)
 * that no longer fits starts the conversation over rather than failing every message after it.
 */
const nullableText = z.string().nullable();
const stateSchema = z.object({
  step: z.enum(['collecting', 'filed']),
  slots: z.object({ app: nullableText, justification: nullableText, targetUser: nullableText }),
  offered: z.array(z.string()),
  asked: z.number().int().min(0),
  agent: z
    .object({
      app: nullableText,
      decision: z.enum(['approve', 'escalate', 'deny']).nullable(),
      reason: nullableText,
      usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
      latencyMs: z.number(),
      rejected: z.array(z.string()),
    })
    .optional(),
});

function parseState(json: string): ConversationState {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : newConversation();
  } catch {
    return newConversation();
  }
}

type ConversationRow = {
  id: string;
  channel: string;
  external_key: string;
  requester: string;
  state_json: string;
  request_id: string | null;
  created_at: string;
  updated_at: string;
};

function toConversation(r: ConversationRow): Conversation {
  return {
    id: r.id,
    channel: r.channel as ChatChannel,
    externalKey: r.external_key,
    requester: r.requester,
    state: parseState(r.state_json),
    requestId: r.request_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findConversation(db: Db, channel: ChatChannel, key: string): Promise<Conversation | null> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('channel', '=', channel)
    .where('external_key', '=', key)
    .executeTakeFirst();
  return row ? toConversation(row) : null;
}

/** The conversations a request was filed from (status updates are posted to each). */
export async function conversationsForRequest(db: Db, requestId: string): Promise<Conversation[]> {
  const rows = await db.selectFrom('conversations').selectAll().where('request_id', '=', requestId).orderBy('created_at').execute();
  return rows.map(toConversation);
}

/** Inserts a conversation; a second one for the same (channel, key) is a unique violation the caller settles. */
export async function insertConversation(
  db: Db,
  input: { channel: ChatChannel; externalKey: string; requester: string; state: ConversationState },
): Promise<Conversation> {
  const at = nowIso();
  const row: ConversationRow = {
    id: newId('cnv'),
    channel: input.channel,
    external_key: input.externalKey,
    requester: input.requester,
    state_json: JSON.stringify(input.state),
    request_id: null,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto('conversations').values(row).execute();
  return toConversation(row);
}

/** Saves the state; `requestId` links (a string), unlinks (null) or leaves (undefined) the filed request. */
export async function updateConversationState(db: Db, id: string, state: ConversationState, requestId?: string | null): Promise<void> {
  await db
    .updateTable('conversations')
    .set({
      state_json: JSON.stringify(state),
      updated_at: nowIso(),
      ...(requestId === undefined ? {} : { request_id: requestId }),
    })
    .where('id', '=', id)
    .execute();
}

export async function appendConversationMessage(
  db: Db,
  input: { conversationId: string; requestId: string | null; direction: 'in' | 'out'; author: string; text: string },
): Promise<ConversationMessage> {
  const message: ConversationMessage = { id: newId('cnm'), ...input, createdAt: nowIso() };
  await db
    .insertInto('conversation_messages')
    .values({
      id: message.id,
      conversation_id: message.conversationId,
      request_id: message.requestId,
      direction: message.direction,
      author: message.author,
      text: message.text,
      created_at: message.createdAt,
    })
    .execute();
  return message;
}

/** Once a conversation files its request, the messages that led to it belong to that request too. */
export async function linkConversationMessages(db: Db, conversationId: string, requestId: string): Promise<void> {
  await db
    .updateTable('conversation_messages')
    .set({ request_id: requestId })
    .where('conversation_id', '=', conversationId)
    .where('request_id', 'is', null)
    .execute();
}

/** The chat messages of a request, oldest first (at most CONVERSATION_MESSAGES_MAX). */
export async function listConversationMessages(db: Db, requestId: string): Promise<ConversationMessage[]> {
  const rows = await db
    .selectFrom('conversation_messages')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(CONVERSATION_MESSAGES_MAX)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    conversationId: r.conversation_id,
    requestId: r.request_id,
    direction: r.direction as 'in' | 'out',
    author: r.author,
    text: r.text,
    createdAt: r.created_at,
  }));
}
