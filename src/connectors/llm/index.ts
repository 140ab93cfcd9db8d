/** The LLM connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { llmMetadata } from './constant.js';
import { buildLlmClient } from './llm.connector.js';
import { llmConfigSchema } from './types.js';

export const llmConnector = defineConnector({
  metadata: llmMetadata,
  configSchema: llmConfigSchema,
  build: buildLlmClient,
});
/** `llmConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createLlmClient = llmConnector.create;

export { compareWithPolicy, runAgent } from './agent.js';
export type { AgentTools, LlmClient, LlmConfig } from './types.js';
