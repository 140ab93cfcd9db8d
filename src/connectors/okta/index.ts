/** The Okta connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { oktaMetadata } from './constant.js';
import { buildOktaConnector } from './okta.connector.js';
import { oktaConfigSchema } from './types.js';

export const oktaConnector = defineConnector({ metadata: oktaMetadata, configSchema: oktaConfigSchema, build: buildOktaConnector });
/** `oktaConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then connects. */
export const createOktaConnector = oktaConnector.create;

export type { OktaConnector, OktaConnectorOptions } from './okta.connector.js';
export { oktaFilterLiteral } from './okta.connector.js';
export type { BudgetGrant, BudgetTake, SharedBudgetLedger } from './okta-cluster-budget.js';
export { grantSize, PROBE_TIMEOUT_MS } from './okta-cluster-budget.js';
export { OktaApiError } from './okta-errors.js';
export type { OktaCallObserver } from './okta-http.js';
export type { OktaRateBudget } from './okta-rate-limiter.js';
export type { OktaConfig } from './types.js';
