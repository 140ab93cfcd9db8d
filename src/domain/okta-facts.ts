/**
 * What resetdesk learns about a requester from Okta, in the shapes the decision engine reads.
 * The Okta connector produces these; the domain never talks to Okta itself.
 */

/** Okta user statuses (Okta Management API `User.status`). */
export const OKTA_USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;
export type OktaUserStatus = (typeof OKTA_USER_STATUSES)[number];

export interface OktaUser {
  id: string;
  status: OktaUserStatus | string;
  login: string;
  email: string;
  firstName?: string;
  lastName?: string;
  /**
   * When the status last changed, by Okta's clock (ISO 8601, UTC). Absent when Okta gave none
   * (a STAGED user) or nothing readable: readers must treat absent as "unknown".
   */
  statusChanged?: string;
  /** Only while Okta is completing an asynchronous status change (ACTIVE, DEPROVISIONED, PROVISIONED). */
  transitioningToStatus?: string;
}

/** Result of looking a person up by login, then by email. */
export type UserLookup = { kind: 'found'; user: OktaUser } | { kind: 'not_found' } | { kind: 'ambiguous'; count: number };

export interface OktaAppInfo {
  id: string;
  /** Okta's app name (e.g. `template_swa`, `okta_org2org`). */
  name: string;
  label: string;
  /** e.g. AUTO_LOGIN, BROWSER_PLUGIN, SAML_2_0, OPENID_CONNECT … */
  signOnMode: string;
  status: string;
}

export interface OktaRole {
  /** Role type, e.g. SUPER_ADMIN, ORG_ADMIN, APP_ADMIN, HELP_DESK_ADMIN. */
  type: string;
  label?: string;
  status?: string;
}

export interface OktaGroup {
  id: string;
  name: string;
}

export interface OktaFactor {
  id: string;
  factorType: string;
  provider: string;
  status: string;
}

/** The checks that need the Okta user id; fetched in parallel after the lookup. */
export interface OktaDetails {
  /** null when Okta answers 404 for the catalog's app id. */
  app: OktaAppInfo | null;
  assigned: boolean;
  roles: OktaRole[];
  groups: OktaGroup[];
  factors: OktaFactor[];
}

/** Facts gathered so far; the engine asks for more in stages (see decision-engine.ts). */
export interface OktaFacts {
  lookup?: UserLookup;
  details?: OktaDetails;
}

/**
 * Where a factor challenge stands (Okta's `factorResult`): WAITING (push sent, not answered),
 * CHALLENGE (a code was sent by SMS / email: type it in), SUCCESS, REJECTED (push denied on the
 * phone, or a wrong code), TIMEOUT (the push expired).
 */
export type FactorResult = 'WAITING' | 'CHALLENGE' | 'SUCCESS' | 'REJECTED' | 'TIMEOUT';

/** A factor challenge as Okta answers it. */
export interface FactorVerification {
  result: FactorResult;
  /** WAITING: the transaction to poll (`_links.poll.href`). */
  pollUrl: string | null;
  /** The number the requester must pick on the phone (`_embedded.challenge.correctAnswer`), when Okta asks for one. */
  numberChallenge: number | null;
  /** When the push transaction expires, when Okta says. */
  expiresAt: string | null;
}

/** One Okta System Log event about a user's password. */
export interface OktaLogEvent {
  uuid: string;
  /** e.g. `user.account.reset_password`, `user.account.update_password`. */
  eventType: string;
  published: string;
  /** `SUCCESS`, `FAILURE`, … */
  outcome: string | null;
}
