/** The Confluence connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { buildConfluenceClient } from './confluence.connector.js';
import { confluenceMetadata } from './constant.js';
import { confluenceConfigSchema } from './types.js';

export const confluenceConnector = defineConnector({
  metadata: confluenceMetadata,
  configSchema: confluenceConfigSchema,
  build: buildConfluenceClient,
});
/** `confluenceConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createConfluenceClient = confluenceConnector.create;

export { extractPolicyFromStorage } from './storage-format.js';
export type { ConfluenceClient, ConfluenceConfig } from './types.js';
