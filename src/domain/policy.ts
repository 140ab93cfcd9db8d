/**
 * The reset policy as data (docs/configuration.md, "The policy file"). The YAML file in `policy/` is parsed into
 * this shape by policy-yaml.ts; the decision engine reads nothing else.
 */
import { z } from 'zod';
import { OKTA_USER_STATUSES, type OktaUserStatus } from './okta-facts.js';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/**
 * How a requester proves possession of an enrolled factor: `none`; `push` (Okta Verify push
 * only); `any_factor` (push, or a TOTP / SMS / email code typed in); `auto` (push when an active
 * push factor is enrolled, else any factor). Listed weakest first: a raise takes the stronger.
 */
export const VERIFICATION_LEVELS = ['none', 'any_factor', 'auto', 'push'] as const;
export type VerificationLevel = (typeof VERIFICATION_LEVELS)[number];
const verificationLevel = z.enum(VERIFICATION_LEVELS, { error: `must be one of ${VERIFICATION_LEVELS.join(', ')}` });

/**
 * Schema of a policy document. Every object is strict (an unknown key is an error, so a
 * misspelt key cannot silently fall back to a default) and every field but `version` has a
 * default, so a policy only needs to say what it changes.
 */
export const policySchema = z.strictObject({
  /** Recorded on every decision; bump it whenever the rules change. */
  version: nonEmpty,
  /** What to do when someone asks for a reset of another person's account. */
  thirdParty: z.enum(['deny', 'escalate']).default('deny'),
  /** Okta user statuses that deny a reset outright; only real statuses, so a typo is caught. */
  denyStatuses: z
    .array(z.enum(OKTA_USER_STATUSES))
    .default((): OktaUserStatus[] => ['DEPROVISIONED', 'SUSPENDED', 'STAGED', 'PROVISIONED']),
  privileged: z
    .strictObject({
      /** `'any'`: holding any Okta admin role escalates; a list: only those role types do. */
      adminRoles: z.union([z.literal('any'), z.array(nonEmpty)]).default('any'),
      /**
       * Okta group names whose members are privileged (matched trimmed, case-insensitively).
       * The default `Administrators` is a conventional name; list your own admin groups.
       */
      groups: z.array(nonEmpty).default(() => ['Administrators']),
    })
    .prefault({}),
  mfa: z
    .strictObject({
      /** Escalate when the user has no active MFA factor (a failed identity check). */
      required: z.boolean().default(true),
      /** Factor types that count (e.g. `push`, `token:software:totp`); null = any type. */
      factorTypes: z.array(nonEmpty).min(1, 'list at least one factor type, or use null to accept any type').nullable().default(null),
    })
    .prefault({}),
  /** App names escalated as sensitive on top of the catalog's flag; matched by appNameKey. */
  sensitiveApps: z.array(nonEmpty).default(() => []),
  escalation: z
    .strictObject({
      /**
       * The Okta group (by name) whose active members are notified of, and may decide, an
       * escalated request when the catalog names no approver group for its app.
       */
      approverGroup: nonEmpty.default('IT Approvers'),
      /** Hours an escalation may wait before its approvers are reminded (the SLA shown to requesters). */
      slaHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(24),
      /** Okta group (by name) reminded when the escalation is still waiting `backupAfterHours` after the first reminder; null = none. */
      backupGroup: nonEmpty.nullable().default(null),
      /** Hours after the first reminder before the backup group is reminded. */
      backupAfterHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(24),
    })
    .prefault({}),
  /** A request waiting for the requester's answer (a question about the app, or an approver's). */
  waiting: z
    .strictObject({
      /** Hours without an answer before the request is cancelled, with a notice. */
      cancelAfterHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(72),
    })
    .prefault({}),
  /**
   * Proving possession of an enrolled Okta factor before a reset link, an unlock or an approval
   * request goes out (docs/configuration.md, "Verification"), per channel the request came in on.
   */
  verification: z
    .strictObject({
      /** Slack, Teams: the identity there is only the chat platform's. */
      chat: verificationLevel.default('auto'),
      /** A trusted channel that authenticated the person itself. */
      intake: verificationLevel.default('none'),
      /** The web app (OIDC sign-in); a sign-in whose ID token shows no MFA (`amr`) counts as `auto`. */
      web: verificationLevel.default('none'),
      /** Personal API tokens. */
      api: verificationLevel.default('none'),
      /** At least this level for a sensitive app (catalog flag or sensitiveApps); `none` raises nothing. */
      sensitiveApps: verificationLevel.default('none'),
      /** At least this level for a privileged user (admin role or privileged group). */
      privilegedUsers: verificationLevel.default('none'),
      /** Wrong codes or rejected pushes before verification is over (escalated, audited). */
      maxAttempts: z.number().int().min(1).max(10).default(3),
      /** How long a push waits for the phone before it counts as timed out. */
      pushTimeoutSeconds: z.number().int().min(30).max(900).default(120),
    })
    .prefault({}),
  /** A LOCKED_OUT account whose request would be approved: unlock it first (true), or escalate (false). */
  unlock: z
    .strictObject({
      allowed: z.boolean().default(true),
    })
    .prefault({}),
  /** What follows an approved Okta reset. */
  afterReset: z
    .strictObject({
      /** End the user's Okta sessions (`DELETE /api/v1/users/{id}/sessions`), so a thief's session dies with the old password. */
      clearSessions: z.boolean().default(true),
      /** Watch the Okta System Log for the user setting a new password; record when it happened. */
      confirm: z.boolean().default(true),
      /** Remind the requester once when no new password has been set after this many hours. */
      remindAfterHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(4),
      /** Stop watching after this many hours; the request then says the reset was never confirmed. */
      watchHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(24),
    })
    .prefault({}),
  /** Resets of one account for one app within a window; one more is refused (429) until the window passes. */
  cooldown: z
    .strictObject({
      /** Resets allowed per account and app within `perHours`; 0 turns the cooldown off. */
      maxResets: z.number().int().min(0).default(3),
      perHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(24),
    })
    .prefault({}),
});

/** A validated policy, with every default filled in. */
export type Policy = z.output<typeof policySchema>;

/** What a policy author may write: every field but `version` is optional. */
export type PolicyInput = z.input<typeof policySchema>;

/** Version of the built-in policy; policy/default.policy.yaml carries the same one. */
export const DEFAULT_POLICY_VERSION = '2026-11-23.1';

/** The built-in policy: the default rules in docs/architecture.md, "The decision engine". */
export const DEFAULT_POLICY: Policy = deepFreeze(policySchema.parse({ version: DEFAULT_POLICY_VERSION }));

/**
 * The one definition of how app names match (catalog lookups, `sensitiveApps`): trimmed,
 * inner whitespace runs collapsed to one space, lower-cased. "  Sales  Force " ≡ "sales force".
 */
/** Longest app name, and longest match key (the key is stored in a column of this size). */
export const APP_NAME_MAX = 200;

/** Whether a name and its match key fit: lower-casing can lengthen a name (e.g. "İ" → "i̇"). */
export function appNameFits(name: string): boolean {
  return name.length <= APP_NAME_MAX && appNameKey(name).length <= APP_NAME_MAX;
}

export function appNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

// Frozen so a caller that tweaks "its" policy cannot change the default for everyone else.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
