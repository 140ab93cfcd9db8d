import type { ConnectorMetadata } from '../connector.js';

/** Talks with people in Slack: DMs and slash commands in, approval messages and modals out. */
export const slackMetadata = { id: 'slack', name: 'Slack' } as const satisfies ConnectorMetadata;

/** Where the Web API lives; `apiUrl` overrides it (a fake Slack in tests). */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/**
 * How long an inbound request may wait for its listener's ack before we answer 200 empty:
 * Slack gives up (and retries events) after 3 s, so this leaves room for the network.
 */
export const ACK_TIMEOUT_MS = 2_500;

/**
 * Socket Mode's reconnect delays: the first at once (Slack asks clients to reconnect when it
 * recycles a connection, every few hours), doubling while attempts fail, up to a minute.
 */
export const SOCKET_RECONNECT_DELAY_MS = { min: 200, max: 60_000 } as const;

/** Slack's replay window for signed requests (its docs, and verifySlackRequest's own rule). */
export const SIGNATURE_MAX_AGE_SECONDS = 5 * 60;

/** The action and callback ids the block builders use; the conversation logic listens for them. */
export const ACTION_IDS = {
  chooseApp: 'choose_app',
  approve: 'approve_request',
  deny: 'deny_request',
  askInfo: 'ask_info',
} as const;
export const DECISION_COMMENT_CALLBACK_ID = 'decision_comment';
