/**
 * The configured credential stores (STORES_FILE), built once at start-up: a client per store,
 * by the connector of its type. Jobs look a store up by the name the request recorded; a name
 * that is no longer configured (the file changed since the decision) fails the job for good, so
 * the request goes to a human rather than waiting for a store that is not there.
 */
import type { Logger } from 'pino';
import type { ConfiguredStore } from '../config/stores-file.js';
import {
  buildExternalExecutorClient,
  type ExternalExecutorClient,
  type ExternalStoreConfig,
} from '../connectors/external-executor/index.js';
import { buildLdapStoreClient, type LdapStoreClient } from '../connectors/ldap/index.js';
import type { StoreType, StoreTypes } from '../domain/credential-store.js';
import { AppError } from '../errors/error-codes.js';

/** An external store: its executor's client and the settings the jobs read (timeout, generatesPassword). */
interface ExternalStore {
  name: string;
  client: ExternalExecutorClient;
  settings: ExternalStoreConfig;
}

export interface CredentialStores {
  /** Each configured store's type, by name: what the decision engine and the catalog check against. */
  readonly types: StoreTypes;
  /** The LDAP store called `name`; CONFIG_INVALID when there is none. */
  ldap(name: string): LdapStoreClient;
  /** The external store called `name`; CONFIG_INVALID when there is none. */
  external(name: string): ExternalStore;
  /** Every external store (a callback for an unknown request is checked against all their secrets). */
  externals(): ExternalStore[];
}

/** Builds a client for each configured store (settings were checked when the configuration was read). */
export function buildCredentialStores(stores: readonly ConfiguredStore[], options: { logger?: Logger } = {}): CredentialStores {
  const types = new Map<string, StoreType>();
  const ldap = new Map<string, LdapStoreClient>();
  const external = new Map<string, ExternalStore>();
  for (const store of stores) {
    types.set(store.name, store.type);
    if (store.type === 'ldap') ldap.set(store.name, buildLdapStoreClient(store.settings, options));
    else
      external.set(store.name, {
        name: store.name,
        client: buildExternalExecutorClient(store.settings, options),
        settings: store.settings,
      });
  }
  const missing = (name: string, type: StoreType) =>
    new AppError('CONFIG_INVALID', `No ${type} credential store called "${name}" is configured (STORES_FILE).`, { store: name });
  return {
    types,
    ldap(name) {
      const client = ldap.get(name);
      if (!client) throw missing(name, 'ldap');
      return client;
    },
    external(name) {
      const store = external.get(name);
      if (!store) throw missing(name, 'external');
      return store;
    },
    externals: () => [...external.values()],
  };
}
