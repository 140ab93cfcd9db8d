import type { ConnectorMetadata } from '../connector.js';

/** Talks with people in Microsoft Teams: personal chats in, Adaptive Cards for approvals out. */
export const teamsMetadata = { id: 'teams', name: 'Microsoft Teams' } as const satisfies ConnectorMetadata;

/** Where the Bot Framework publishes the keys that sign the tokens on inbound activities. */
export const DEFAULT_OPENID_METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';
/** The only issuer of tokens a channel (Teams) sends to a bot. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
/** The scope of the bot's own token for the Bot Connector API. */
export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';
/** Teams' Bot Connector service, for proactive posts to a conversation no activity has come from yet. */
export const DEFAULT_TEAMS_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
/** The client-credentials token endpoint of a tenant (Microsoft Entra ID). */
export const tokenEndpointOf = (tenantId: string) => `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;

/** A cached token is renewed this long before it expires, so no call goes out with a token about to lapse. */
export const TOKEN_RENEW_BEFORE_MS = 5 * 60 * 1000;

/** The `action` / `verb` values the cards carry; the services listen for them. */
export const CARD_ACTIONS = {
  chooseApp: 'choose_app',
  approve: 'approve',
  deny: 'deny',
  askInfo: 'ask_info',
  /** Universal Actions' refresh: Teams asks for the card's current state when someone opens it. */
  refresh: 'refresh',
} as const;

/** The id of the approval card's text input (the comment or question); its value arrives in the action's data. */
export const COMMENT_INPUT_ID = 'comment';
