/** The external executor connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { externalExecutorMetadata } from './constant.js';
import { buildExternalExecutorClient } from './external-executor.connector.js';
import { externalStoreConfigSchema } from './types.js';

export const externalExecutorConnector = defineConnector({
  metadata: externalExecutorMetadata,
  configSchema: externalStoreConfigSchema,
  build: buildExternalExecutorClient,
});
/** `externalExecutorConnector.create`: validates the store's settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createExternalExecutorClient = externalExecutorConnector.create;

/** Builds from settings already parsed by the schema (STORES_FILE is checked when it is read). */
export { buildExternalExecutorClient } from './external-executor.connector.js';
export { MAX_SKEW_SECONDS, SIGNATURE_HEADER, sign, signatureHeaders, TIMESTAMP_HEADER, verifySignature } from './signature.js';
export type { ExternalExecutorClient, ExternalJob, ExternalResult, ExternalStoreConfig } from './types.js';
export { externalJobSchema, externalResultSchema } from './types.js';
