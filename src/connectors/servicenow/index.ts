/** The ServiceNow connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { serviceNowMetadata } from './constant.js';
import { buildServiceNowClient } from './servicenow.connector.js';
import { serviceNowConfigSchema } from './types.js';

export const serviceNowConnector = defineConnector({
  metadata: serviceNowMetadata,
  configSchema: serviceNowConfigSchema,
  build: buildServiceNowClient,
});
/** `serviceNowConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createServiceNowClient = serviceNowConnector.create;

export { CLOSE_CODES, INCIDENT_STATE_RESOLVED } from './constant.js';
export type { NewIncident, ServiceNowClient, ServiceNowConfig } from './types.js';
