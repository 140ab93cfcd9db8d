import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';
import { DEFAULT_OPENID_METADATA_URL, DEFAULT_TEAMS_SERVICE_URL } from './constant.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `https://`, or plain `http://` on a loopback host (a fake Microsoft in tests). */
export function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

const endpoint = (example: string) =>
  z
    .string()
    .trim()
    .refine(isHttpsOrLoopback, `must be an https:// URL such as ${example} (http:// only on a loopback host), without credentials`);

/**
 * Teams connector configuration: one Azure Bot registration in one tenant. Messages never repeat a
 * value (the password must not reach logs); the caller prefixes the field's name or variable.
 */
export const teamsConfigSchema = z.object({
  /** The bot's Microsoft App ID (the Azure Bot's app registration): the audience of inbound tokens. */
  appId: z.string().trim().regex(GUID, 'must be the app registration’s Application (client) ID, a GUID'),
  /** A client secret of that app registration: gets the bot's token for the Bot Connector API. */
  appPassword: z.string().trim().min(1, 'must be a client secret of the app registration'),
  /** The organisation's Microsoft Entra tenant: only its people are served, and the token comes from it. */
  tenantId: z.string().trim().regex(GUID, 'must be the Directory (tenant) ID, a GUID'),
  /** Where approval cards are posted: a Teams conversation id (a channel's is 19:…@thread.tacv2). */
  approversConversation: z
    .string()
    .trim()
    .regex(/^[^\s/?#]{3,400}$/, 'must be a Teams conversation id such as 19:abc…@thread.tacv2')
    .optional(),
  /** The OpenID metadata naming the keys that sign inbound tokens. */
  openIdMetadataUrl: endpoint(DEFAULT_OPENID_METADATA_URL).default(DEFAULT_OPENID_METADATA_URL),
  /** The client-credentials token endpoint; default the tenant's at login.microsoftonline.com. */
  loginUrl: endpoint('https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token').optional(),
  /** The Bot Connector service for proactive posts (the approvers' conversation). Ends with `/`. */
  serviceUrl: endpoint(DEFAULT_TEAMS_SERVICE_URL)
    .transform((v) => (v.endsWith('/') ? v : `${v}/`))
    .default(DEFAULT_TEAMS_SERVICE_URL),
  /** Per outbound call, until the whole answer has been read. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
/** The parsed configuration (defaults applied). */
export type TeamsConfig = z.output<typeof teamsConfigSchema>;

/** Where to write to a conversation: the service URL a validated activity came from (or the configured one). */
export interface TeamsConversationRef {
  serviceUrl: string;
  conversationId: string;
  tenantId: string;
}

/** The parts of a Bot Framework activity resetdesk reads; anything else is ignored. */
export const activitySchema = z.looseObject({
  type: z.string().min(1).max(100),
  id: z.string().max(500).optional(),
  name: z.string().max(200).optional(),
  channelId: z.string().max(100),
  serviceUrl: z.string().max(2000),
  from: z.looseObject({
    id: z.string().min(1).max(500),
    aadObjectId: z.string().max(100).optional(),
    name: z.string().max(500).optional(),
  }),
  conversation: z.looseObject({
    id: z.string().min(1).max(1000),
    conversationType: z.string().max(50).optional(),
    tenantId: z.string().max(100).optional(),
  }),
  text: z.string().max(20_000).optional(),
  value: z.unknown().optional(),
  replyToId: z.string().max(500).optional(),
  channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().max(100).optional() }).optional() }).optional(),
});
export type TeamsActivity = z.infer<typeof activitySchema>;

/** What `authenticate` concludes about one inbound request. */
export type InboundCheck =
  | { ok: true; activity: TeamsActivity; tenantId: string }
  | { ok: false; status: 400 | 401 | 503; code: 'TEAMS_TOKEN_INVALID' | 'VALIDATION_FAILED' | 'TEAMS_UNAVAILABLE'; message: string };

/** A Teams member as the Bot Connector shows them. */
interface TeamsMember {
  id: string;
  aadObjectId: string | null;
  /** The email, else the userPrincipalName, lower-cased; null when Teams shows neither. */
  email: string | null;
}

/** An activity resetdesk sends: text, optionally with Adaptive Card attachments (cards.ts). */
export interface OutboundActivity {
  text?: string;
  attachments?: { contentType: string; content: unknown }[];
}

export interface TeamsConnector {
  /**
   * Checks the `Authorization` header's token (the Bot Framework's rules, connectors/teams/inbound.ts)
   * and the activity's tenant; never throws.
   */
  authenticate(authorization: string | undefined, body: unknown): Promise<InboundCheck>;
  /** Posts an activity to the conversation; answers the new activity's id. */
  send(to: TeamsConversationRef, activity: OutboundActivity): Promise<{ id: string }>;
  /** Replaces an activity the bot posted (a card's new state). */
  update(to: TeamsConversationRef, activityId: string, activity: OutboundActivity): Promise<void>;
  /** A member of the conversation; null when Teams does not know them there. */
  member(to: TeamsConversationRef, userId: string): Promise<TeamsMember | null>;
  /** The configured tenant and Bot Connector service (proactive posts). */
  readonly tenantId: string;
  readonly serviceUrl: string;
  readonly approversConversation: string | undefined;
}
