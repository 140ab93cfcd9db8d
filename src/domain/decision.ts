/**
 * The shape of a decision the engine makes about one request (PRODUCT.md, "How a request is
 * decided"): which rule fired, what happens next, and the facts it was based on.
 */
import type { Outcome, Priority, RequestDecision } from './types.js';

/** Every rule id, in the order the engine checks them (see decision-engine.ts). */
export const RULE_IDS = Object.freeze([
  'third_party',
  'app_not_in_catalog',
  'app_not_linked_to_okta',
  'user_not_found',
  'user_ambiguous',
  'user_status',
  'app_not_in_okta',
  'not_assigned',
  'privileged_user',
  'sensitive_app',
  'mfa_missing',
  'swa_self_service',
  'swa_no_reset_url',
  'sso_requires_approval',
  'external_store',
  'unknown_sign_on_mode',
] as const);

/** The id of the rule that decided a request; stored with the decision. */
export type RuleId = (typeof RULE_IDS)[number];

/** A reset method the engine could determine (`auto` and `unknown` never appear here). */
export type DecisionResetMethod = 'swa_link' | 'okta_reset' | 'external';

/** Statuses a request moves to straight out of triage. */
export type DecisionNextStatus = 'Completed' | 'Escalated' | 'Rejected' | 'PendingExternal';

/**
 * Side effects the caller performs for a decision, in order. The engine only describes them;
 * jobs carry them out with idempotency keys.
 */
export type DecisionAction =
  /** Email the catalog's reset URL to the requester (SWA self-service). */
  | { type: 'send_reset_link'; to: string; url: string }
  /** Hand the request to a human approver (the catalog's approver group, or the default queue). */
  | { type: 'request_approval'; approverGroup: string | null }
  /** Only after an approver approves: Okta `reset_password?sendEmail=true` for this user. */
  | { type: 'okta_reset_on_approval'; oktaUserId: string; sendEmail: true }
  /** Send a reset job to the external executor; the request waits as PendingExternal. */
  | { type: 'dispatch_external'; catalogAppId: string; oktaUserId: string }
  /** Tell the requester the outcome and rationale in their channel. */
  | { type: 'notify_requester' };

/** One decision about one request. */
export interface Decision {
  /** Seed-000 vocabulary. */
  outcome: Outcome;
  /** Seed-001 vocabulary (Denied → Rejected). */
  decision: RequestDecision;
  ruleId: RuleId;
  /** One or two plain sentences a requester can read; names the app; never quotes the justification. */
  rationale: string;
  priority: Priority;
  nextStatus: DecisionNextStatus;
  /** How the password is (or, after approval, will be) reset; null when not determined. */
  resetMethod: DecisionResetMethod | null;
  actions: DecisionAction[];
  policyVersion: string;
  /** The facts gathered up to the rule that fired (for the audit log). */
  facts: Record<string, unknown>;
  oktaUserId: string | null;
  oktaAppId: string | null;
}
