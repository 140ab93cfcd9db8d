/** The Teams connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { teamsMetadata } from './constant.js';
import { buildTeamsConnector } from './teams.connector.js';
import { teamsConfigSchema } from './types.js';

export const teamsConnector = defineConnector({
  metadata: teamsMetadata,
  configSchema: teamsConfigSchema,
  build: buildTeamsConnector,
});
/** `teamsConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the connector. */
export const createTeamsConnector = teamsConnector.create;

export { appChoiceCard, approvalCard, cardActivity, decidedCard } from './cards.js';
export { CARD_ACTIONS, COMMENT_INPUT_ID } from './constant.js';
export type { TeamsActivity, TeamsConfig, TeamsConnector, TeamsConversationRef } from './types.js';
