/**
 * Credential stores: what resets an app's password. Two are built in — `okta` (Okta's
 * `reset_password?sendEmail=true`, for apps that sign in through Okta) and `swa-link` (the
 * catalog's reset URL, emailed) — and others are declared in STORES_FILE by type: `ldap` (a
 * directory resetdesk resets itself, synchronously) or `external` (an executor such as an RPA bot
 * resets it and calls back, asynchronously). The catalog's `store` names one; pure, no I/O.
 */
import type { ResolvedResetMethod } from './sign-on-mode.js';

/** The built-in stores and the reset method each stands for. */
export const BUILT_IN_STORES = Object.freeze({ okta: 'okta_reset', 'swa-link': 'swa_link' } as const);

/** The types a store in STORES_FILE may have (one connector folder each under src/connectors/). */
export const STORE_TYPES = ['ldap', 'external'] as const;
export type StoreType = (typeof STORE_TYPES)[number];

/** The configured stores' types by name (STORES_FILE); built-ins are not in it. */
export type StoreTypes = ReadonlyMap<string, StoreType>;

/** A store name: lower-case letters, digits and dashes, starting with a letter (it appears in URLs, CSVs and logs). */
export const STORE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Every name a catalog entry may use: the built-ins, then the configured stores. */
export function storeNames(types: StoreTypes): string[] {
  return [...Object.keys(BUILT_IN_STORES), ...[...types.keys()].sort()];
}

/** True for a built-in store's name. */
function isBuiltInStore(name: string): name is keyof typeof BUILT_IN_STORES {
  return Object.hasOwn(BUILT_IN_STORES, name);
}

/**
 * How a store resets a password: a built-in's method, `directory` for an LDAP store, `external`
 * for an external executor; `unknown` for a name no store has (removed from STORES_FILE since the
 * catalog named it).
 */
export function storeResetMethod(store: string, types: StoreTypes): ResolvedResetMethod {
  if (isBuiltInStore(store)) return BUILT_IN_STORES[store];
  const type = types.get(store);
  if (type === 'ldap') return 'directory';
  if (type === 'external') return 'external';
  return 'unknown';
}
