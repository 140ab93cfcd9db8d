/** Core vocabulary shared by the domain, the database and the HTTP layer. */

/** Request statuses (PRODUCT.md, "The request lifecycle"). */
export const REQUEST_STATUSES = [
  'New',
  'Triaging',
  'Verifying',
  'Waiting',
  'Escalated',
  'PendingExternal',
  'Completed',
  'Rejected',
  'Failed',
  'Cancelled',
  'Closed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/**
 * Where a request stands after its latest decision, in seed 001's words; stored in the request's
 * `decision` column (the API's `decision` field).
 */
export type RequestVerdict = 'Approved' | 'Rejected' | 'Escalated' | 'Cancelled';

/** Seed-000 outcome vocabulary, used in the decision log's result object. Denied = Rejected. */
export type Outcome = 'Approved' | 'Denied' | 'Escalated';

export type Priority = 'Low' | 'Medium' | 'High';

/** How an app's password gets reset. `auto` derives it from Okta's signOnMode. */
export const RESET_METHODS = ['auto', 'swa_link', 'okta_reset', 'external'] as const;
export type ResetMethod = (typeof RESET_METHODS)[number];

/** An entry of the app catalog (the seed's Apps table). */
export interface CatalogApp {
  id: string;
  name: string;
  oktaAppId: string | null;
  resetUrl: string | null;
  resetMethod: ResetMethod;
  sensitive: boolean;
  approverGroup: string | null;
  /**
   * The credential store that resets the app's password: `okta`, `swa-link`, or one declared in
   * STORES_FILE (domain/credential-store.ts). Null: the sign-on mode (or `resetMethod`) decides.
   */
  store: string | null;
  /** Other names the app is requested by ("o365" for "Microsoft Office 365"); unique across the catalog. */
  aliases?: string[];
  /** What the last `resetdesk apps sync` read from Okta; null when no sync has seen the app. */
  okta?: CatalogOktaState | null;
}

/** An app as Okta last reported it to the catalog sync. */
export interface CatalogOktaState {
  label: string | null;
  signOnMode: string | null;
  /** ACTIVE / INACTIVE as Okta says, or DELETED once Okta no longer lists the app. */
  status: string | null;
  /** When the sync first saw this status. */
  statusAt: string | null;
  syncedAt: string | null;
}

/** The parts of a Password Request the engine reads. Identity comes from the channel. */
export interface RequestFacts {
  id: string;
  /** The authenticated requester's email (lower-cased). */
  requester: string;
  /** The app name as the requester typed it. */
  app: string;
  /** The account the reset is for, when the requester named one; null = their own. */
  targetUser: string | null;
  /** Shown to humans only; never read by the engine's rules. */
  justification: string;
}

/** Audit Log event types (seed 001). */
export const AUDIT_EVENT_TYPES = ['Message', 'Tool Call', 'Decision', 'Escalation', 'Approval', 'Rejection', 'Closure'] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Roles of API tokens and signed-in users. */
export const ROLES = ['requester', 'approver', 'admin', 'intake'] as const;
export type Role = (typeof ROLES)[number];
