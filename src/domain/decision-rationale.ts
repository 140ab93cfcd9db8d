/**
 * The requester-facing wording of every rule, in one place so it reads consistently and every
 * rule id is guaranteed a sentence. Texts name the app and the reason, and never quote the
 * request's justification (nothing here can see it).
 */
import type { RuleId } from './decision.js';
import type { Outcome } from './types.js';

/** What a rationale may mention. `app` is already made safe for display (see `displayAppName`). */
export interface RationaleFacts {
  app: string;
  outcome: Outcome;
  userStatus?: string;
}

const RATIONALES: Record<RuleId, (f: RationaleFacts) => string> = {
  third_party: ({ app, outcome }) =>
    outcome === 'Escalated'
      ? `This reset request for ${app} is for someone else's account, so it needs approval from IT.`
      : `You can only request a password reset for your own account, so this request for ${app} was denied.`,
  app_not_in_catalog: ({ app }) =>
    `"${app}" is not in the app catalog, so its password cannot be reset here. Check the app name or contact IT.`,
  app_not_linked_to_okta: ({ app }) =>
    `${app} is not linked to an Okta app, so your access to it cannot be verified and the reset was denied.`,
  user_not_found: ({ app }) =>
    `No Okta account matches your sign-in, so your account cannot be verified and the reset for ${app} was denied.`,
  user_ambiguous: ({ app }) =>
    `More than one Okta account matches your sign-in, so your account cannot be verified and the reset for ${app} was denied.`,
  user_status: ({ app, userStatus }) =>
    `Your Okta account status is ${userStatus ?? 'unknown'}, so a password reset for ${app} is not allowed. Contact IT.`,
  app_not_in_okta: ({ app }) => `${app} could not be found in Okta, so your access to it cannot be verified and the reset was denied.`,
  not_assigned: ({ app }) => `Your Okta account is not assigned to ${app}, so the reset was denied.`,
  privileged_user: ({ app }) => `Your account has administrator privileges, so the password reset for ${app} needs approval from IT.`,
  sensitive_app: ({ app }) => `${app} is a sensitive application, so its password resets need approval from its owner.`,
  mfa_missing: ({ app }) =>
    `The reset for ${app} needs approval from IT because of a failed identity check: no active MFA factor on your account.`,
  locked_out: ({ app }) =>
    `Your Okta account is locked out, and the policy does not let resetdesk unlock it, so the reset for ${app} needs approval from IT.`,
  swa_self_service: ({ app }) => `${app} supports self-service resets, so a reset link has been emailed to you.`,
  swa_no_reset_url: ({ app }) => `The catalog has no reset link for ${app}, so IT will handle this reset.`,
  sso_requires_approval: ({ app }) =>
    `${app} signs in through Okta, so resetting it means resetting your Okta password, which needs approval from IT.`,
  external_store: ({ app }) =>
    `The password for ${app} is kept outside Okta, so resetdesk cannot reset it itself; the request waits for the system that manages it, and you will be told when it is done.`,
  directory_store: ({ app }) =>
    `${app} keeps its passwords in a directory resetdesk can reset, so a new password is being set and will be emailed to you.`,
  store_not_configured: ({ app }) =>
    `The catalog names a credential store for ${app} that is not configured, so IT will review this request.`,
  unknown_sign_on_mode: ({ app }) => `resetdesk cannot tell how the password for ${app} is reset, so IT will review this request.`,
};

/** The rationale sentence(s) for a rule. */
export function rationaleFor(ruleId: RuleId, facts: RationaleFacts): string {
  return RATIONALES[ruleId](facts);
}

/** An app name fit for a rationale: one line and bounded, since it may be what the requester typed. */
export function displayAppName(name: string): string {
  const oneLine = name.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 79)}…` : oneLine;
}
