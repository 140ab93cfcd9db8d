/**
 * Verifying the person, not the channel (docs/configuration.md, "Verification"): which level of
 * proof a request needs, and which of the requester's enrolled Okta factors can give it. Pure:
 * the service (services/verification.service.ts) does the Okta calls and keeps the state.
 */
import type { OktaFactor } from './okta-facts.js';
import { type Policy, VERIFICATION_LEVELS, type VerificationLevel } from './policy.js';

/** The channels the policy names; every request channel maps to one of them. */
export type VerificationChannel = 'chat' | 'intake' | 'web' | 'api';

/** The policy's channel for a request's `channel` column (slack and teams are chat). */
export function verificationChannelOf(channel: string): VerificationChannel {
  if (channel === 'slack' || channel === 'teams' || channel === 'chat') return 'chat';
  if (channel === 'web') return 'web';
  if (channel === 'intake') return 'intake';
  return 'api';
}

/** The stronger of two levels (none < any_factor < auto < push). */
export function strongest(a: VerificationLevel, b: VerificationLevel): VerificationLevel {
  return VERIFICATION_LEVELS.indexOf(a) >= VERIFICATION_LEVELS.indexOf(b) ? a : b;
}

/**
 * The level a request needs because of where it came from, fixed when it is filed: the
 * channel's, and for the web app at least `auto` when the sign-in showed no second factor.
 */
export function channelLevel(policy: Policy, channel: string, signInWithMfa: boolean | null): VerificationLevel {
  const which = verificationChannelOf(channel);
  const level = policy.verification[which];
  return which === 'web' && signInWithMfa === false ? strongest(level, 'auto') : level;
}

/** The level triage applies: the request's, raised for a sensitive app or a privileged user. */
export function requiredLevel(
  policy: Policy,
  requestLevel: VerificationLevel,
  risk: { sensitiveApp: boolean; privilegedUser: boolean },
): VerificationLevel {
  let level = requestLevel;
  if (risk.sensitiveApp) level = strongest(level, policy.verification.sensitiveApps);
  if (risk.privilegedUser) level = strongest(level, policy.verification.privilegedUsers);
  return level;
}

/** Factor types whose code the requester types in (Okta `factorType`). */
const CODE_FACTOR_TYPES = new Set(['token:software:totp', 'token:hotp', 'sms', 'email', 'call']);
/** Of those, the ones Okta must send a code for first (a verify call without a passCode). */
const ISSUED_CODE_TYPES = new Set(['sms', 'email', 'call']);

/** A factor the requester may use, as the API shows it (never its secret or phone number). */
export interface VerificationOption {
  factorId: string;
  factorType: string;
  provider: string;
  /** `push`: approve on the phone; `code`: type the code in (`issue`: resetdesk asks Okta to send it first). */
  kind: 'push' | 'code';
  issue: boolean;
}

/** How a level can be met with these factors: a push to start, codes to accept, or nothing. */
export interface ChallengePlan {
  /** The push factor resetdesk starts at once, if any. */
  push: VerificationOption | null;
  /** Factors whose code is accepted. */
  codes: VerificationOption[];
}

/**
 * What `level` accepts from the user's ACTIVE factors: `push` only a push; `auto` a push when
 * one is enrolled, else any code factor; `any_factor` a push (started at once) and any code
 * factor. An empty plan (no push, no codes) means the person cannot prove possession here.
 */
export function planChallenge(level: Exclude<VerificationLevel, 'none'>, factors: readonly OktaFactor[]): ChallengePlan {
  const active = factors.filter((f) => f.status.toUpperCase() === 'ACTIVE');
  const pushes = active.filter((f) => f.factorType === 'push').map((f) => option(f, 'push'));
  const codes = active.filter((f) => CODE_FACTOR_TYPES.has(f.factorType)).map((f) => option(f, 'code'));
  const push = pushes[0] ?? null;
  if (level === 'push') return { push, codes: [] };
  if (level === 'auto') return push ? { push, codes: [] } : { push: null, codes };
  return { push, codes };
}

function option(f: OktaFactor, kind: 'push' | 'code'): VerificationOption {
  return { factorId: f.id, factorType: f.factorType, provider: f.provider, kind, issue: ISSUED_CODE_TYPES.has(f.factorType) };
}

/** Where one request's verification stands; stored on the request as JSON. */
export interface VerificationState {
  /** This round's id: the poll jobs and the resumed triage carry it, so a stale one does nothing. */
  challengeId: string;
  level: Exclude<VerificationLevel, 'none'>;
  plan: ChallengePlan;
  /** The push in flight: its transaction (never shown), number challenge and expiry. */
  push: { factorId: string; pollUrl: string; numberChallenge: number | null; expiresAt: string } | null;
  /** Code factors for which Okta has sent a code in this round. */
  issued: string[];
  /** Wrong codes so far (all rounds). */
  failures: number;
  /** The policy's limit when the round started. */
  maxAttempts: number;
  /** Pushes that timed out (all rounds): the first returns the request to the requester, the second cancels it. */
  timeouts: number;
  startedAt: string;
}
