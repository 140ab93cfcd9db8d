/** The LDAP credential-store connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { ldapMetadata } from './constant.js';
import { buildLdapStoreClient } from './ldap.connector.js';
import { ldapStoreConfigSchema } from './types.js';

export const ldapConnector = defineConnector({
  metadata: ldapMetadata,
  configSchema: ldapStoreConfigSchema,
  build: buildLdapStoreClient,
});
/** `ldapConnector.create`: validates the store's settings (CONFIG_INVALID naming each bad field), then builds the client. */
export const createLdapStoreClient = ldapConnector.create;

export { buildLdapStoreClient } from './ldap.connector.js';
export type { LdapStoreClient, LdapStoreConfig } from './types.js';
