/** The OpenID Connect sign-in connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { oidcMetadata } from './constant.js';
import { buildOidcClient } from './oidc.connector.js';
import { oidcConfigSchema } from './types.js';

export const oidcConnector = defineConnector({ metadata: oidcMetadata, configSchema: oidcConfigSchema, build: buildOidcClient });
/** `oidcConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createOidcClient = oidcConnector.create;

export type { OidcClient, OidcConfig } from './types.js';
