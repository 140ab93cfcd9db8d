/**
 * The decision engine: a pure, staged function from request + catalog + Okta facts + policy
 * to a PolicyDecision (PRODUCT.md, "How a request is decided"). It never does I/O; when it needs Okta
 * facts it says which, so the caller keeps the critical path to two sequential Okta round trips:
 *
 *   result = decide(input)
 *   'need' 'user'    → fetch okta.lookup (user by login, then email), call again
 *   'need' 'details' → fetch okta.details (app, assignment, roles, groups, factors in parallel)
 *
 * Rules, checked in order; the first that fires decides:
 *   1. third_party             someone else's account → policy.thirdParty: deny | escalate (High)
 *   2. app_ambiguous           no exact catalog entry but near ones → ask the requester (Waiting)
 *      app_not_in_catalog      no catalog entry, nothing near → Denied
 *      app_not_linked_to_okta  catalog entry without an Okta app id → Denied (cannot verify)
 *   3. user_not_found          no Okta user for the requester → Denied
 *      user_ambiguous          several Okta users match → Denied
 *   4. user_status             Okta status in policy.denyStatuses → Denied (before fetching details)
 *   5. app_not_in_okta         Okta does not know the catalog's app id → Denied
 *      not_assigned            user not assigned to the app → Denied
 *   6. privileged_user         admin role / privileged group → Escalated (High)
 *   7. sensitive_app           catalog flag or policy.sensitiveApps → Escalated (Medium)
 *   8. mfa_missing             no active (accepted) MFA factor while required → Escalated (High)
 *   9. locked_out              SWA + reset URL, user LOCKED_OUT, policy.unlock.allowed false → Escalated (Medium)
 *      swa_self_service        SWA + reset URL → Approved, Completed, reset link emailed; a LOCKED_OUT
 *                              user is unlocked first (okta_unlock: the link goes out once unlocked)
 *      swa_no_reset_url        SWA without a reset URL → Escalated (Medium)
 *      sso_requires_approval   federated SSO → Escalated (Medium); an approval resets in Okta
 *      external_store          catalog says external → Approved, PendingExternal; with an external
 *                              store, the job goes to its executor (external_dispatch)
 *      directory_store         an LDAP store → Approved; the directory-reset job sets a new
 *                              password, completes the request and emails the password once
 *      store_not_configured    the catalog's store is not in STORES_FILE → Escalated (Medium)
 *      unknown_sign_on_mode    method cannot be told → Escalated (Medium)
 *
 * Priorities: High where a wrong approval would hurt most (another person's account, an admin,
 * a failed identity check); Medium for routine reviews; Low for decisions nobody has to review.
 * `request.justification` is never read: urgency or embedded instructions cannot change anything.
 */

import { type StoreTypes, storeResetMethod } from './credential-store.js';
import type { DecisionAction, DecisionNextStatus, DecisionResetMethod, PolicyDecision, RuleId } from './decision.js';
import { displayAppName, rationaleFor } from './decision-rationale.js';
import type { OktaDetails, OktaFacts } from './okta-facts.js';
import { appNameKey, type Policy } from './policy.js';
import { resolveResetMethod } from './sign-on-mode.js';
import type { CatalogApp, Outcome, Priority, RequestFacts } from './types.js';

export type { PolicyDecision, RuleId } from './decision.js';
export { RULE_IDS } from './decision.js';

/** Everything the engine reads. `catalogApp` is the caller's catalog lookup of `request.app`. */
export interface DecideInput {
  request: RequestFacts;
  catalogApp: CatalogApp | null;
  /**
   * When `catalogApp` is null: catalog names near what was typed (domain/app-match.ts), best
   * first. Non-empty means the requester is asked which one they meant instead of being denied.
   */
  appCandidates?: readonly string[];
  okta: OktaFacts;
  policy: Policy;
  /** The configured credential stores' types (STORES_FILE); a catalog `store` is looked up here. */
  storeTypes?: StoreTypes;
}

/** A question the requester must answer before the rules can go on (the request waits). */
export interface RequesterQuestion {
  /** Why the engine asks; recorded like a rule id. */
  reason: 'app_ambiguous';
  /** One sentence the requester reads ("Did you mean Jira Cloud or Jira Server?"). */
  question: string;
  /** The answers on offer (catalog app names); the requester may also type another name. */
  candidates: string[];
  policyVersion: string;
}

/**
 * A decision; or a question for the requester (Waiting); or the next Okta facts the caller must
 * fetch before calling again.
 */
export type EngineResult =
  | { kind: 'decided'; decision: PolicyDecision }
  | { kind: 'ask'; ask: RequesterQuestion }
  | { kind: 'need'; facts: 'user' | 'details' };

/** What the rules have learnt so far; copied into every decision. */
interface Context {
  policy: Policy;
  /** For rationales: one line, bounded (see displayAppName). */
  displayApp: string;
  /** For the decision log: the catalog's name, or what was typed. */
  app: string;
  approverGroup: string;
  facts: Record<string, unknown>;
  oktaUserId: string | null;
  oktaAppId: string | null;
  resetMethod: DecisionResetMethod | null;
  store: string | null;
}

/** Decides a request, or asks for the Okta facts the next rule needs. Pure and deterministic. */
export function decide(input: DecideInput): EngineResult {
  const { request, catalogApp, okta, policy } = input;
  const ctx: Context = {
    policy,
    displayApp: displayAppName(catalogApp?.name ?? request.app),
    app: catalogApp?.name ?? request.app,
    approverGroup: catalogApp?.approverGroup ?? policy.escalation.approverGroup,
    facts: { requestedApp: request.app },
    oktaUserId: null,
    oktaAppId: null,
    resetMethod: null,
    store: null,
  };

  // 1. Third party — before any Okta call, so nobody can probe other people's accounts.
  if (isThirdParty(request)) {
    Object.assign(ctx.facts, { requester: request.requester, targetUser: request.targetUser });
    return policy.thirdParty === 'escalate' ? escalate(ctx, 'third_party', 'High') : deny(ctx, 'third_party');
  }

  // 2. Catalog. A near miss is a question, never a guess: the wrong app's reset is the one
  // mistake this product must not make.
  if (catalogApp === null) {
    const candidates = input.appCandidates ?? [];
    if (candidates.length > 0) return askWhichApp(request.app, candidates, policy);
    return deny(ctx, 'app_not_in_catalog');
  }
  Object.assign(ctx.facts, {
    catalogAppId: catalogApp.id,
    catalogApp: catalogApp.name,
    catalogResetMethod: catalogApp.resetMethod,
    catalogSensitive: catalogApp.sensitive,
    ...(catalogApp.store ? { catalogStore: catalogApp.store } : {}),
  });
  if (catalogApp.oktaAppId === null) return deny(ctx, 'app_not_linked_to_okta');
  ctx.oktaAppId = catalogApp.oktaAppId;
  ctx.facts.oktaAppId = catalogApp.oktaAppId;

  // 3. Who is asking, in Okta.
  const lookup = okta.lookup;
  if (lookup === undefined) return { kind: 'need', facts: 'user' };
  ctx.facts.userLookup = lookup.kind;
  if (lookup.kind === 'not_found') return deny(ctx, 'user_not_found');
  if (lookup.kind === 'ambiguous') {
    ctx.facts.matchCount = lookup.count;
    return deny(ctx, 'user_ambiguous');
  }
  const user = lookup.user;
  ctx.oktaUserId = user.id;
  Object.assign(ctx.facts, { oktaUserId: user.id, userStatus: user.status });

  // 4. Account state — checked before the details round trip, which it makes unnecessary.
  if ((policy.denyStatuses as readonly string[]).includes(user.status.trim().toUpperCase())) {
    return deny(ctx, 'user_status', user.status);
  }

  // 5. The app in Okta and the user's assignment.
  const details = okta.details;
  if (details === undefined) return { kind: 'need', facts: 'details' };
  if (details.app === null) {
    ctx.facts.oktaAppFound = false;
    return deny(ctx, 'app_not_in_okta');
  }
  // A store named by the catalog decides; otherwise the catalog's method or the sign-on mode.
  const store = catalogApp.store?.trim() || null;
  ctx.store = store;
  const method = store
    ? storeResetMethod(store, input.storeTypes ?? new Map())
    : resolveResetMethod(catalogApp.resetMethod, details.app.signOnMode);
  // Known from here on, so an approver of any later escalation sees how the reset will happen.
  ctx.resetMethod = method === 'unknown' ? null : method;
  Object.assign(ctx.facts, {
    oktaAppFound: true,
    signOnMode: details.app.signOnMode,
    resetMethod: method,
    assigned: details.assigned,
  });
  if (!details.assigned) return deny(ctx, 'not_assigned');

  // 6–8. Risk checks that send the request to a human.
  const privilege = privilegeOf(details, policy);
  Object.assign(ctx.facts, { roles: details.roles.map((r) => r.type), ...privilege });
  if (privilege.privilegedRoles.length > 0 || privilege.privilegedGroups.length > 0) {
    return escalate(ctx, 'privileged_user', 'High');
  }

  const appKey = appNameKey(catalogApp.name);
  const sensitive = catalogApp.sensitive || policy.sensitiveApps.some((n) => appNameKey(n) === appKey);
  ctx.facts.sensitive = sensitive;
  if (sensitive) return escalate(ctx, 'sensitive_app', 'Medium');

  const activeFactorTypes = acceptedActiveFactors(details, policy);
  Object.assign(ctx.facts, { factorCount: details.factors.length, activeFactorTypes });
  if (policy.mfa.required && activeFactorTypes.length === 0) {
    return escalate(ctx, 'mfa_missing', 'High');
  }

  // 9. The reset method.
  switch (method) {
    case 'swa_link': {
      const url = catalogApp.resetUrl?.trim() ?? '';
      if (url === '') return escalate(ctx, 'swa_no_reset_url', 'Medium');
      ctx.facts.resetUrl = url;
      // A link is no use to a locked-out account: unlock it first, when the policy allows.
      if (isLockedOut(user.status)) {
        ctx.facts.unlockAllowed = policy.unlock.allowed;
        if (!policy.unlock.allowed) return escalate(ctx, 'locked_out', 'Medium');
        return approve(ctx, 'swa_self_service', 'Completed', [{ type: 'okta_unlock' }, { type: 'send_reset_link', url }]);
      }
      // The link email is the requester's answer: no separate notice.
      return approve(ctx, 'swa_self_service', 'Completed', [{ type: 'send_reset_link', url }]);
    }
    case 'okta_reset':
      return escalate(ctx, 'sso_requires_approval', 'Medium');
    case 'external': {
      // With an external store its executor gets the job; without one (the catalog's `external`
      // method alone) the request waits for whoever resets it and records the result.
      const notice: DecisionAction = { type: 'notify_requester', notice: 'pending_external' };
      const actions: DecisionAction[] = store ? [{ type: 'external_dispatch', store }, notice] : [notice];
      return approve(ctx, 'external_store', 'PendingExternal', actions);
    }
    case 'directory':
      // Only a store leads here. The reset job completes the request; its email is the answer.
      return approve(ctx, 'directory_store', 'Completed', [{ type: 'directory_reset', store: store ?? '' }]);
    case 'unknown':
      return store ? escalate(ctx, 'store_not_configured', 'Medium') : escalate(ctx, 'unknown_sign_on_mode', 'Medium');
  }
}

/** A target account is named and is not the requester's own (trimmed, case-insensitive). */
function isThirdParty(request: RequestFacts): boolean {
  // A blank target names nobody else; the engine only ever acts on the requester's account.
  const target = request.targetUser?.trim().toLowerCase() ?? '';
  return target !== '' && target !== request.requester.trim().toLowerCase();
}

/** Okta's LOCKED_OUT status (trimmed, case-insensitive, like denyStatuses). */
export function isLockedOut(status: string): boolean {
  return status.trim().toUpperCase() === 'LOCKED_OUT';
}

/** The admin roles and group names that make this user privileged under the policy. */
function privilegeOf(details: OktaDetails, policy: Policy): { privilegedRoles: string[]; privilegedGroups: string[] } {
  const { adminRoles, groups } = policy.privileged;
  // 'any': every Okta admin role counts, whatever its type (custom roles included).
  const roleKeys = adminRoles === 'any' ? null : new Set(adminRoles.map(caseless));
  const groupKeys = new Set(groups.map(caseless));
  return {
    privilegedRoles: details.roles.map((r) => r.type).filter((t) => roleKeys === null || roleKeys.has(caseless(t))),
    privilegedGroups: details.groups.map((g) => g.name).filter((n) => groupKeys.has(caseless(n))),
  };
}

/** Types of the user's ACTIVE factors the policy accepts (any type when factorTypes is null). */
function acceptedActiveFactors(details: OktaDetails, policy: Policy): string[] {
  const { factorTypes } = policy.mfa;
  const accepted = factorTypes === null ? null : new Set(factorTypes.map(caseless));
  return details.factors
    .filter((f) => f.status.trim().toUpperCase() === 'ACTIVE')
    .map((f) => f.factorType)
    .filter((t) => accepted === null || accepted.has(caseless(t)));
}

function caseless(s: string): string {
  return s.trim().toLowerCase();
}

function deny(ctx: Context, ruleId: RuleId, userStatus?: string): EngineResult {
  return decided(ctx, 'Denied', ruleId, 'Low', 'Rejected', [{ type: 'notify_requester', notice: 'denied' }], userStatus);
}

function approve(ctx: Context, ruleId: RuleId, nextStatus: DecisionNextStatus, actions: DecisionAction[]): EngineResult {
  return decided(ctx, 'Approved', ruleId, 'Low', nextStatus, actions);
}

/**
 * Escalations go to the app's approver group (or the default queue). What an approval then does
 * follows from the stored reset method (see human-decision.ts), not from actions decided now.
 */
function escalate(ctx: Context, ruleId: RuleId, priority: Priority): EngineResult {
  return decided(ctx, 'Escalated', ruleId, priority, 'Escalated', [
    { type: 'request_approval', approverGroup: ctx.approverGroup },
    { type: 'notify_requester', notice: 'escalated' },
  ]);
}

function askWhichApp(typed: string, candidates: readonly string[], policy: Policy): EngineResult {
  const names = candidates.map((c) => `"${displayAppName(c)}"`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return {
    kind: 'ask',
    ask: {
      reason: 'app_ambiguous',
      question: `There is no app called "${displayAppName(typed)}" in the catalog. Did you mean ${list}?`,
      candidates: [...candidates],
      policyVersion: policy.version,
    },
  };
}

function decided(
  ctx: Context,
  outcome: Outcome,
  ruleId: RuleId,
  priority: Priority,
  nextStatus: DecisionNextStatus,
  actions: DecisionAction[],
  userStatus?: string,
): EngineResult {
  const facts = { app: ctx.displayApp, outcome, ...(userStatus === undefined ? {} : { userStatus }) };
  return {
    kind: 'decided',
    decision: {
      source: 'engine',
      outcome,
      ruleId,
      rationale: rationaleFor(ruleId, facts),
      priority,
      nextStatus,
      resetMethod: ctx.resetMethod,
      actions,
      policyVersion: ctx.policy.version,
      facts: ctx.facts,
      app: ctx.app,
      oktaUserId: ctx.oktaUserId,
      oktaAppId: ctx.oktaAppId,
      store: ctx.store,
    },
  };
}
