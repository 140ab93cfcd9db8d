import type { ConnectorMetadata } from '../connector.js';

/** An optional OpenAI-compatible model that reads chat text and proposes; the policy engine decides. */
export const llmMetadata = { id: 'llm', name: 'LLM' } as const satisfies ConnectorMetadata;

/** At most this much of the person's text is sent to the model. */
export const TEXT_MAX = 2000;
/** At most this much of the model's reply is kept. */
export const REPLY_MAX = 500;
/** Tool calls beyond this many in one round are refused. */
export const CALLS_PER_ROUND_MAX = 8;
/** Each entry of `rejected` is at most this long. */
export const REJECTED_MAX = 200;

/** The tools the model is offered: three that read the requester's own data, and one that proposes. */
export const TOOL_NAMES = ['list_catalog_apps', 'find_okta_user', 'list_user_app_links', 'propose_decision'] as const;
