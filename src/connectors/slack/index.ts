/** The Slack connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { slackMetadata } from './constant.js';
import { buildSlackConnector } from './slack.connector.js';
import { slackConfigSchema } from './types.js';

export const slackConnector = defineConnector({
  metadata: slackMetadata,
  configSchema: slackConfigSchema,
  build: buildSlackConnector,
});
/** `slackConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the connector. */
export const createSlackConnector = slackConnector.create;

export {
  appChoiceBlocks,
  approvalBlocks,
  COMMENT_BLOCK_ID,
  commentModal,
  decidedBlocks,
  homeView,
} from './blocks.js';
export { ACTION_IDS, DECISION_COMMENT_CALLBACK_ID } from './constant.js';
export { SLACK_SOCKET_MODE_ON } from './inbound.js';
export type { SlackConfig, SlackConnector } from './types.js';
