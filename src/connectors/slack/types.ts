import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';
import { DEFAULT_SLACK_API_URL } from './constant.js';
import type { SlackSocketStatus } from './socket-mode.js';

/**
 * Slack connector configuration: one workspace, one bot. Messages do not repeat the field's name
 * and never a value (tokens and secrets must not reach logs): the caller prefixes the name
 * (`slack.botToken`, or the environment variable in loadConfig).
 */
export const slackConfigSchema = z
  .object({
    /** The bot user OAuth token (OAuth & Permissions page); sent as a Bearer token on every call. */
    botToken: z
      .string()
      .trim()
      .refine((v) => /^xoxb-[A-Za-z0-9-]+$/.test(v), 'must be a bot token starting with xoxb-'),
    /**
     * Basic Information → Signing Secret: verifies that inbound HTTP requests come from Slack.
     * Required over HTTP; unused in Socket Mode, where the app token authenticates the connection.
     */
    signingSecret: z.string().trim().min(16, 'must be the app signing secret (at least 16 characters)').optional(),
    /**
     * Basic Information → App-Level Tokens, with the `connections:write` scope: when set, Slack's
     * requests arrive over a WebSocket that resetdesk opens (Socket Mode), not at POST /slack/events.
     */
    appToken: z
      .string()
      .trim()
      .refine((v) => /^xapp-[A-Za-z0-9-]+$/.test(v), 'must be an app-level token starting with xapp-')
      .optional(),
    /** Where approval requests are posted: a channel id (C…, or G… for a private one) or #name. */
    approversChannel: z
      .string()
      .trim()
      .refine(
        (v) => /^[CG][A-Z0-9]{6,}$/.test(v) || /^#[a-z0-9_][a-z0-9._-]{0,79}$/.test(v),
        'must be a channel id such as C0123ABCD or a channel name starting with #',
      ),
    /** The Web API base; `https://` only, plain `http://` on a loopback host (tests). Ends with `/`. */
    apiUrl: z
      .string()
      .trim()
      .refine((v) => isHttpsOrLoopback(v), 'must be an https:// URL such as https://slack.com/api/ (http:// only on a loopback host)')
      .refine((v) => {
        if (!URL.canParse(v)) return true;
        const url = new URL(v);
        return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
      }, 'must have no credentials, query or fragment')
      .transform((v) => (v.endsWith('/') ? v : `${v}/`))
      .default(DEFAULT_SLACK_API_URL),
    /** Per Web API call, until the whole answer has been read. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .superRefine((c, ctx) => {
    // Over HTTP the signature is the only proof a request is Slack's: no secret, no HTTP mode.
    if (c.appToken === undefined && c.signingSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'is required unless an app-level token selects Socket Mode' });
    }
  });
/** The parsed configuration (defaults applied). */
export type SlackConfig = z.output<typeof slackConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/** Headers as Node (and Fastify) give them: lower-case names, repeated ones as arrays. */
export type SlackHeaders = Record<string, string | string[] | undefined>;

/** What the HTTP route passes in: the body exactly as received (the signature covers its bytes). */
export interface SlackInboundRequest {
  rawBody: Buffer;
  headers: SlackHeaders;
}

/** What the HTTP route sends back, as is. */
export interface SlackInboundResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A person's DM to the bot, or a mention of the bot in a channel. */
interface SlackMessage {
  userId: string;
  channelId: string;
  /** The thread it was posted in, or null at the top level. */
  threadTs: string | null;
  /** The message's own timestamp: with channelId, its identity (and a key to drop Slack's retries). */
  ts: string;
  /** For a mention, without the leading `<@BOT>`. */
  text: string;
  /** `im` for a DM; for a mention `channel`, or `group` for a private channel (as its id says). */
  channelType: string;
}

interface SlackSlashCommand {
  userId: string;
  channelId: string;
  text: string;
  triggerId: string;
  responseUrl: string;
}

interface SlackAction {
  userId: string;
  /** Null for a click in a modal or on the Home tab. */
  channelId: string | null;
  messageTs: string | null;
  threadTs: string | null;
  /** The button's value, or the selected option's value. */
  value: string;
  triggerId: string;
}

interface SlackViewSubmission {
  userId: string;
  privateMetadata: string;
  /** Each input block's value by block_id. */
  values: Record<string, string>;
}

/** Block Kit, as plain objects (see blocks.ts). */
export type SlackBlocks = Record<string, unknown>[];
export type SlackView = Record<string, unknown>;

export interface SlackConnector {
  /** Verifies, parses and dispatches one request to the Slack endpoint; never throws. 404 in Socket Mode. */
  handle(request: SlackInboundRequest): Promise<SlackInboundResponse>;
  /** `socket` with an app-level token: Slack's requests come over the connector's own WebSocket. */
  readonly mode: 'http' | 'socket';
  /** Socket Mode: connects in the background (reconnecting until stop); nothing over HTTP. Never throws. */
  start(): void;
  /** Socket Mode: closes the WebSocket; nothing over HTTP. */
  stop(): Promise<void>;
  /** Socket Mode: whether the WebSocket is open and the last failure; null over HTTP. */
  socketStatus(): SlackSocketStatus | null;
  onMessage(handler: (message: SlackMessage) => Promise<void>): void;
  /** The handler's string is the ephemeral answer shown to the person who typed the command. */
  // biome-ignore lint/suspicious/noConfusingVoidType: with `undefined`, a handler that returns nothing would not type-check
  onSlashCommand(command: string, handler: (command: SlackSlashCommand) => Promise<string | void>): void;
  onAction(actionId: string, handler: (action: SlackAction) => Promise<void>): void;
  /** Returned errors (block_id → message) keep the modal open with the messages under the inputs. */
  onViewSubmission(
    callbackId: string,
    // biome-ignore lint/suspicious/noConfusingVoidType: with `undefined`, a handler that returns nothing would not type-check
    handler: (submission: SlackViewSubmission) => Promise<{ errors?: Record<string, string> } | void>,
  ): void;
  onHomeOpened(handler: (userId: string) => Promise<void>): void;

  postMessage(message: {
    channel: string;
    text: string;
    blocks?: SlackBlocks;
    threadTs?: string;
  }): Promise<{ channel: string; ts: string }>;
  updateMessage(message: { channel: string; ts: string; text: string; blocks?: SlackBlocks }): Promise<void>;
  /** A message in `channel` only `user` sees (and only while they have Slack open); not kept by Slack. */
  postEphemeral(message: { channel: string; user: string; text: string }): Promise<void>;
  /** The person's email, lower-cased; null when Slack shows none (a bot, or no users:read.email scope). */
  userEmail(userId: string): Promise<string | null>;
  /** The DM channel between the bot and the person. */
  openDmChannel(userId: string): Promise<string>;
  openModal(modal: { triggerId: string; view: SlackView }): Promise<void>;
  publishHome(home: { userId: string; view: SlackView }): Promise<void>;
}
