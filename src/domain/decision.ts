/**
 * What a decision about one request is (PRODUCT.md, "How a request is decided"): the policy
 * engine's at triage, or an approver's on an escalated request. Both say where the request goes
 * and which actions follow; one applier (services/apply-decision.ts) carries out either.
 */
import type { EmailTemplate } from './email-templates.js';
import type { Outcome, Priority, RequestVerdict } from './types.js';

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
  'locked_out',
  'swa_self_service',
  'swa_no_reset_url',
  'sso_requires_approval',
  'external_store',
  'directory_store',
  'store_not_configured',
  'unknown_sign_on_mode',
] as const);

/** The id of the policy rule that decided a request; stored with the decision. */
export type RuleId = (typeof RULE_IDS)[number];

/** Not a policy rule: the pipeline's own escalation when triage cannot finish. */
export const TRIAGE_FAILED_RULE = 'triage_failed';

/** Not a policy rule: the pipeline's escalation when Okta refuses to unlock an approved request's account. */
export const UNLOCK_FAILED_RULE = 'unlock_failed';

/** A reset method the engine could determine (`auto` and `unknown` never appear here). */
export type DecisionResetMethod = 'swa_link' | 'okta_reset' | 'external' | 'directory';

/** Not a policy rule: the pipeline's escalation when an approved directory reset could not be made. */
export const STORE_RESET_FAILED_RULE = 'store_reset_failed';

/** Statuses a request moves to straight out of triage. */
export type DecisionNextStatus = 'Completed' | 'Escalated' | 'Rejected' | 'PendingExternal';

/** The outcome emails a decision may send the requester (the other templates belong to jobs). */
type RequesterNotice = Extract<EmailTemplate, 'escalated' | 'denied' | 'pending_external' | 'approved_manual' | 'rejected_by_approver'>;

/**
 * What follows a decision. The applier runs each one in the decision's transaction: a request
 * state change, or one job with its idempotency key. At most one action emails the requester
 * (none when an approved Okta reset's job will, on completion).
 */
export type DecisionAction =
  /** Email the catalog's reset URL to the requester; that email is also their answer. */
  | { type: 'send_reset_link'; url: string }
  /** Hand the request to an approver group: it becomes the next owner, and the hand-over is audited. */
  | { type: 'request_approval'; approverGroup: string }
  /** After an approval only: the Okta reset job (`reset_password?sendEmail=true`), which completes the request. */
  | { type: 'okta_reset' }
  /**
   * Unlock the LOCKED_OUT Okta account first (`POST /api/v1/users/{id}/lifecycle/unlock`), as the
   * `okta-unlock` job. The actions after it wait for it: the applier hands the reset link to that
   * job, which completes the request and enqueues the link email only once the account is unlocked,
   * so a link never goes out to a still-locked account.
   */
  | { type: 'okta_unlock' }
  /**
   * Reset the password in an LDAP / Active Directory store (the `directory-reset` job), which then
   * completes the request and emails the new password once. The request waits for the job where
   * the decision left it (Triaging, or Escalated under an approver's claim), like an unlock.
   */
  | { type: 'directory_reset'; store: string }
  /**
   * Hand the reset to an external executor (the `external-dispatch` job POSTs the signed job to the
   * store's URL) and start the store's timeout; the request is PendingExternal until its callback.
   */
  | { type: 'external_dispatch'; store: string }
  /** Email the requester the outcome; `comment` is an approver's, quoted in the email. */
  | { type: 'notify_requester'; notice: RequesterNotice; comment?: string | null };

/** Who made a decision; stored as the decision log entry's `source`. */
export type DecisionSource = 'engine' | 'human';

/** The policy engine's decision at triage (or the pipeline's `triage_failed` escalation). */
export interface PolicyDecision {
  source: 'engine';
  /** Seed-000 vocabulary. */
  outcome: Outcome;
  /**
   * The rule that fired; `triage_failed` when triage could not finish, `unlock_failed` when Okta
   * refused the unlock an approval needed: the request went to a human.
   */
  ruleId: RuleId | typeof TRIAGE_FAILED_RULE | typeof UNLOCK_FAILED_RULE | typeof STORE_RESET_FAILED_RULE;
  /** One or two plain sentences a requester can read; names the app; never quotes the justification. */
  rationale: string;
  priority: Priority;
  nextStatus: DecisionNextStatus;
  /** How the password is (or, after approval, will be) reset; null when not determined. */
  resetMethod: DecisionResetMethod | null;
  actions: DecisionAction[];
  /** The policy's version; null when no rule decided (`triage_failed`, `unlock_failed`). */
  policyVersion: string | null;
  /** The facts gathered up to the rule that fired (for the audit log). */
  facts: Record<string, unknown>;
  /** The app as the catalog names it, or as typed when it is not in the catalog. */
  app: string;
  oktaUserId: string | null;
  oktaAppId: string | null;
  /** The credential store the catalog named for the app (null: none; the sign-on mode decided). */
  store?: string | null;
}

/** An approver's decision on an escalated request (see human-decision.ts). */
export interface HumanDecision {
  source: 'human';
  outcome: 'Approved' | 'Denied';
  /** The approver's email. */
  decidedBy: string;
  comment: string | null;
  /** For the decision log: who decided, and their comment. */
  rationale: string;
  /** Where the request goes; null = it stays Escalated until the Okta reset (or unlock) job completes it. */
  nextStatus: 'Completed' | 'PendingExternal' | 'Rejected' | null;
  /** Replaces the request's rationale when set; null keeps triage's. */
  requestRationale: string | null;
  actions: DecisionAction[];
}

/** Any decision the applier takes. */
export type Decision = PolicyDecision | HumanDecision;

/** The verdict a decision leaves on the request (seed-001 words: Denied is Rejected). */
export function verdictFor(outcome: Outcome): Exclude<RequestVerdict, 'Cancelled'> {
  return outcome === 'Denied' ? 'Rejected' : outcome;
}
