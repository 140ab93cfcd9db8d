/**
 * How an app's password is reset, derived from Okta's `signOnMode` unless the catalog says
 * otherwise (rule 9 of the default policy, docs/architecture.md).
 */
import type { ResetMethod } from './types.js';

/** Sign-on modes where Okta stores the app's own password (SWA): a reset link fixes it. */
const SWA_SIGN_ON_MODES = Object.freeze(['AUTO_LOGIN', 'BROWSER_PLUGIN', 'SECURE_PASSWORD_STORE', 'BASIC_AUTH'] as const);

/** Federated sign-on modes: the app trusts Okta, so the password to reset is Okta's own. */
const FEDERATED_SIGN_ON_MODES = Object.freeze(['SAML_2_0', 'SAML_1_1', 'OPENID_CONNECT', 'WS_FEDERATION'] as const);

/** `swa`, `federated` (SSO), or `other` (BOOKMARK, unknown or missing modes). */
export type SignOnModeClass = 'swa' | 'federated' | 'other';

/**
 * The concrete reset method for one request; `unknown` when it cannot be told. `directory`: an
 * LDAP store resets it (only a catalog `store` leads there, see credential-store.ts).
 */
export type ResolvedResetMethod = Exclude<ResetMethod, 'auto'> | 'directory' | 'unknown';

/** Classifies an Okta `signOnMode` (case and surrounding spaces ignored). */
export function classifySignOnMode(signOnMode: string | null | undefined): SignOnModeClass {
  const mode = (signOnMode ?? '').trim().toUpperCase();
  if ((SWA_SIGN_ON_MODES as readonly string[]).includes(mode)) return 'swa';
  if ((FEDERATED_SIGN_ON_MODES as readonly string[]).includes(mode)) return 'federated';
  return 'other';
}

/**
 * The reset method for an app: the catalog's override when it sets one, otherwise derived
 * from the sign-on mode (SWA → `swa_link`, federated → `okta_reset`, else `unknown`).
 */
export function resolveResetMethod(catalogMethod: ResetMethod, signOnMode: string | null | undefined): ResolvedResetMethod {
  if (catalogMethod !== 'auto') return catalogMethod;
  switch (classifySignOnMode(signOnMode)) {
    case 'swa':
      return 'swa_link';
    case 'federated':
      return 'okta_reset';
    case 'other':
      return 'unknown';
  }
}
