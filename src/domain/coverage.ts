/**
 * The coverage report's verdict for one app: the way a password request for it would go under
 * the current policy (its "reset path"), or why it has none, and what an admin does about it.
 * Pure: the service gathers the catalog, Okta's app list and the policy, this decides.
 *
 * The path is what the decision engine itself decides for a synthetic "typical user" — ACTIVE,
 * assigned to the app, no admin role and no group, with one active factor the policy accepts —
 * rather than a second reading of the catalog. So a policy that marks an app sensitive, or any
 * later rule, shows up here exactly as requests will meet it; no Okta call is made per user.
 */
import type { StoreTypes } from './credential-store.js';
import { decide } from './decision-engine.js';
import type { OktaAppInfo } from './okta-facts.js';
import type { Policy } from './policy.js';
import type { CatalogApp } from './types.js';

export const RESET_PATHS = [
  'self_service_link',
  'okta_reset_after_approval',
  'external_store',
  'directory_store',
  'always_escalated',
  'no_path',
] as const;
export type ResetPath = (typeof RESET_PATHS)[number];

/** Why an app has no reset path. */
export const GAP_REASONS = [
  'swa_no_reset_url',
  'unknown_sign_on_mode',
  'store_not_configured',
  'not_linked_to_okta',
  'okta_inactive',
  'okta_deleted',
  'not_in_catalog',
  'policy_denies',
] as const;
export type GapReason = (typeof GAP_REASONS)[number];

export interface CoverageVerdict {
  path: ResetPath;
  /** Set for `no_path` only. */
  reason: GapReason | null;
  /** The engine's rule for the typical user; null when the report decided before the engine (Okta status, not in the catalog). */
  ruleId: string | null;
  /** The credential store that resets it (`external_store`, `directory_store`), else null. */
  store: string | null;
  /**
   * True when the typical user's request resolves with no human: a reset link, or a store that
   * resets by itself (an LDAP store, or an external store with an executor). The catalog's
   * `external` method without a store waits for a person and so does not count.
   */
  automatic: boolean;
  /** What closes the gap (or, for escalations, what would remove the human step); null when nothing is needed. */
  action: string | null;
}

interface CoverageFacts {
  /** null: an Okta app the catalog does not have. */
  catalogApp: CatalogApp | null;
  /** The app as Okta lists it now; null when Okta does not list the catalog's id (deleted). */
  oktaApp: OktaAppInfo | null;
  policy: Policy;
  storeTypes: StoreTypes;
}

const TYPICAL_USER = { id: 'coverage-typical-user', login: 'typical.user@coverage.invalid' };

const ACTIONS: Record<GapReason, string> = {
  swa_no_reset_url: "add the app's reset URL in Admin → Apps",
  unknown_sign_on_mode: 'set its reset method (or a credential store) in Admin → Apps',
  store_not_configured: "declare the app's credential store in STORES_FILE, or choose another store in Admin → Apps",
  not_linked_to_okta: 'link the app to its Okta id in Admin → Apps (or resetdesk apps sync)',
  okta_inactive: 'remove it from the catalog or reactivate it in Okta',
  okta_deleted: 'remove it from the catalog or reactivate it in Okta',
  not_in_catalog: 'add it to the catalog (resetdesk apps sync)',
  policy_denies: 'review the policy: it denies requests for this app',
};

/** The reset path of one app (see the file comment). */
export function coverageOf(facts: CoverageFacts): CoverageVerdict {
  const { catalogApp, oktaApp, policy } = facts;
  if (catalogApp === null) {
    // An Okta app nobody can request: requests for it are denied as not in the catalog.
    if (oktaApp?.status === 'INACTIVE') {
      return {
        ...gap('okta_inactive', null),
        action: 'none while it is deactivated in Okta; once reactivated, add it to the catalog (resetdesk apps sync)',
      };
    }
    return gap('not_in_catalog', null);
  }
  if (catalogApp.oktaAppId !== null && oktaApp !== null && oktaApp.status.trim().toUpperCase() !== 'ACTIVE') {
    // The engine does not read the app's status, but nobody signs in to a deactivated app.
    return gap('okta_inactive', null);
  }
  const result = decide({
    request: { id: 'coverage', requester: TYPICAL_USER.login, app: catalogApp.name, targetUser: null, justification: '' },
    catalogApp,
    okta: {
      lookup: { kind: 'found', user: { id: TYPICAL_USER.id, status: 'ACTIVE', login: TYPICAL_USER.login, email: TYPICAL_USER.login } },
      details: {
        app: oktaApp,
        assigned: true,
        roles: [],
        groups: [],
        factors: [{ id: 'coverage-factor', factorType: policy.mfa.factorTypes?.[0] ?? 'push', provider: 'OKTA', status: 'ACTIVE' }],
      },
    },
    policy,
    storeTypes: facts.storeTypes,
  });
  // Every fact was given, so the engine always decides; anything else would be a policy that asks.
  if (result.kind !== 'decided') return gap('policy_denies', null);
  const { decision } = result;
  const store = decision.store ?? null;
  switch (decision.ruleId) {
    case 'swa_self_service':
      return path('self_service_link', decision.ruleId, null, true, null);
    case 'sso_requires_approval':
      return path('okta_reset_after_approval', decision.ruleId, null, false, null);
    case 'external_store':
      return store
        ? path('external_store', decision.ruleId, store, true, null)
        : path(
            'external_store',
            decision.ruleId,
            null,
            false,
            'give the app an external credential store (STORES_FILE) so an executor resets it',
          );
    case 'directory_store':
      return path('directory_store', decision.ruleId, store, true, null);
    case 'swa_no_reset_url':
      return gap('swa_no_reset_url', decision.ruleId);
    case 'unknown_sign_on_mode':
      return gap('unknown_sign_on_mode', decision.ruleId);
    case 'store_not_configured':
      return gap('store_not_configured', decision.ruleId);
    case 'app_not_linked_to_okta':
      return gap('not_linked_to_okta', decision.ruleId);
    case 'app_not_in_okta':
      return gap('okta_deleted', decision.ruleId);
  }
  if (decision.outcome === 'Escalated') {
    const action = decision.ruleId === 'sensitive_app' ? null : `review the policy rule ${decision.ruleId}`;
    return path('always_escalated', decision.ruleId, store, false, action);
  }
  return gap('policy_denies', decision.ruleId);
}

function path(p: ResetPath, ruleId: string, store: string | null, automatic: boolean, action: string | null): CoverageVerdict {
  return { path: p, reason: null, ruleId, store, automatic, action };
}

function gap(reason: GapReason, ruleId: string | null): CoverageVerdict {
  return { path: 'no_path', reason, ruleId, store: null, automatic: false, action: ACTIONS[reason] };
}
