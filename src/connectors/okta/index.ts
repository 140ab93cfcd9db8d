/** The Okta connector in the shape every resetdesk connector has. */
import { oktaMetadata } from './constant.js';
import { createOktaConnector } from './okta.connector.js';
import { oktaConfigGuard } from './types.js';

export const oktaConnector = {
  metadata: oktaMetadata,
  configGuard: oktaConfigGuard,
  create: createOktaConnector,
} as const;

export { createOktaConnector, oktaFilterLiteral } from './okta.connector.js';
export type { OktaConnector, OktaConnectorOptions } from './okta.connector.js';
export type { OktaLogger } from './okta-http.js';
export { OktaApiError } from './okta-errors.js';
export { oktaConfigGuard, DEFAULT_OKTA_SCOPES } from './types.js';
export type { OktaConfig, OktaConfigInput, OktaAuthConfig } from './types.js';
export { oktaMetadata } from './constant.js';
export type { ConnectorMetadata, ConnectorConfigField } from './constant.js';
