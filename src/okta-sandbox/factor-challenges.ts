import { randomBytes, randomInt } from 'node:crypto';
import { SandboxOktaError } from './okta-errors.js';
import type { SandboxFactor, SandboxUser } from './sandbox-state.js';
import { derivedTotpSecret, totpCode, totpMatches } from './totp.js';

/**
 * Factor verification in the sandbox (`POST /api/v1/users/{userId}/factors/{factorId}/verify`):
 * Okta Verify pushes that wait for "the phone" (a sandbox control route, the CLI or a test
 * helper answers them) and expire; one-time codes "sent" by SMS or email (recorded so tests and
 * the demo can read them instead of a phone or a mailbox); and RFC 6238 TOTP codes checked
 * against each factor's secret.
 */

/** How long a push waits for an answer, as Okta's push transactions do (5 minutes). */
const PUSH_LIFETIME_MS = 5 * 60_000;
/** How long an SMS / email code stays valid (Okta's default `tokenLifetimeSeconds`, 300). */
const CODE_LIFETIME_MS = 5 * 60_000;

export type PushAnswer = 'approve' | 'reject';

/** One push sent to a user's phone. */
export interface PushTransaction {
  /** The transaction id in the poll link (`v2mst.…`). */
  id: string;
  userId: string;
  login: string;
  factorId: string;
  createdAt: string;
  expiresAt: string;
  /** The number the phone asks the user to pick, for a number matching push; else null. */
  correctAnswer: number | null;
  /** WAITING until answered or expired (see `resultOf`). */
  answer: 'SUCCESS' | 'REJECTED' | null;
}

/** A push as the sandbox's control route and helpers list it. */
export interface PendingPush {
  transactionId: string;
  userId: string;
  login: string;
  factorId: string;
  correctAnswer: number | null;
  createdAt: string;
  expiresAt: string;
}

/** A code the sandbox "sent" by SMS or email. */
export interface SentCode {
  userId: string;
  login: string;
  factorId: string;
  factorType: 'sms' | 'email' | 'call';
  code: string;
  at: string;
  expiresAt: string;
}

/** What a verify request produced: the HTTP status and Okta's `factorResult`. */
type VerifyOutcome =
  | { kind: 'push'; transaction: PushTransaction }
  | { kind: 'challenge' }
  | { kind: 'success' }
  | { kind: 'invalid_passcode' };

/** Statuses whose users Okta lets verify a factor (a locked-out user may still prove who they are). */
const VERIFIABLE_USER_STATUSES = new Set(['ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']);
const CODE_FACTORS = new Set(['sms', 'email', 'call']);
const OTP_FACTORS = new Set(['token:software:totp', 'token:hotp', 'token', 'token:hardware']);

const transactionId = (): string => `v2mst.${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22)}`;

export function invalidPasscode(): SandboxOktaError {
  return new SandboxOktaError('E0000068', undefined, { causes: ["Your passcode doesn't match our records. Please try again."] });
}

export class FactorChallenges {
  private readonly pushes = new Map<string, PushTransaction>();
  private readonly codes: SentCode[] = [];
  private readonly usedCodes = new WeakSet<SentCode>();

  constructor(private readonly now: () => number) {}

  /** The TOTP secret of a factor: the fixture's, or one derived from its id. */
  static secretOf(factor: SandboxFactor): string {
    return factor.secret ?? derivedTotpSecret(factor.id);
  }

  /** Okta's checks before any verification: the user may verify, the factor is ACTIVE. */
  private checkVerifiable(user: SandboxUser, factor: SandboxFactor): void {
    if (!VERIFIABLE_USER_STATUSES.has(user.status)) throw new SandboxOktaError('E0000038');
    if (factor.status !== 'ACTIVE') {
      throw new SandboxOktaError('E0000001', 'Api validation failed: factor', {
        causes: [`factor: The factor is ${factor.status}, not ACTIVE; it cannot be verified.`],
      });
    }
  }

  verify(user: SandboxUser, factor: SandboxFactor, body: { passCode?: unknown; useNumberMatchingChallenge?: unknown }): VerifyOutcome {
    this.checkVerifiable(user, factor);
    const passCode = typeof body.passCode === 'string' ? body.passCode.trim() : undefined;
    if (body.passCode !== undefined && typeof body.passCode !== 'string') {
      throw new SandboxOktaError('E0000001', 'Api validation failed: passCode', { causes: ['passCode: must be a string'] });
    }
    const now = this.now();
    if (factor.factorType === 'push') {
      const transaction: PushTransaction = {
        id: transactionId(),
        userId: user.id,
        login: user.login,
        factorId: factor.id,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + PUSH_LIFETIME_MS).toISOString(),
        correctAnswer: body.useNumberMatchingChallenge === true ? randomInt(10, 100) : null,
        answer: null,
      };
      this.pushes.set(transaction.id, transaction);
      return { kind: 'push', transaction };
    }
    if (CODE_FACTORS.has(factor.factorType)) {
      if (passCode === undefined || passCode === '') {
        const code: SentCode = {
          userId: user.id,
          login: user.login,
          factorId: factor.id,
          factorType: factor.factorType as SentCode['factorType'],
          code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
          at: new Date(now).toISOString(),
          expiresAt: new Date(now + CODE_LIFETIME_MS).toISOString(),
        };
        this.codes.push(code);
        return { kind: 'challenge' };
      }
      // Only the latest code of this factor counts, once, until it expires.
      const latest = this.codes.findLast((c) => c.factorId === factor.id);
      if (!latest || latest.code !== passCode || Date.parse(latest.expiresAt) <= now || this.usedCodes.has(latest)) {
        return { kind: 'invalid_passcode' };
      }
      this.usedCodes.add(latest);
      return { kind: 'success' };
    }
    if (OTP_FACTORS.has(factor.factorType)) {
      if (passCode === undefined || passCode === '') {
        throw new SandboxOktaError('E0000001', 'Api validation failed: passCode', { causes: ['passCode: The passcode is required.'] });
      }
      if (factor.factorType !== 'token:software:totp') return { kind: 'invalid_passcode' };
      return totpMatches(FactorChallenges.secretOf(factor), passCode, now) ? { kind: 'success' } : { kind: 'invalid_passcode' };
    }
    throw new SandboxOktaError('E0000001', 'Api validation failed: factorType', {
      causes: [`factorType: the sandbox does not verify ${factor.factorType} factors`],
    });
  }

  /** WAITING, SUCCESS, REJECTED, or TIMEOUT once a push has been waiting past its expiresAt. */
  resultOf(tx: PushTransaction): 'WAITING' | 'SUCCESS' | 'REJECTED' | 'TIMEOUT' {
    if (tx.answer) return tx.answer;
    return this.now() >= Date.parse(tx.expiresAt) ? 'TIMEOUT' : 'WAITING';
  }

  transaction(id: string): PushTransaction | undefined {
    return this.pushes.get(id);
  }

  /** Pushes still waiting for the phone, oldest first. */
  pending(): PendingPush[] {
    return [...this.pushes.values()]
      .filter((tx) => this.resultOf(tx) === 'WAITING')
      .map((tx) => ({
        transactionId: tx.id,
        userId: tx.userId,
        login: tx.login,
        factorId: tx.factorId,
        correctAnswer: tx.correctAnswer,
        createdAt: tx.createdAt,
        expiresAt: tx.expiresAt,
      }));
  }

  /** The phone's answer. Throws when the push is unknown or no longer waiting. */
  answer(id: string, answer: PushAnswer): PushTransaction {
    const tx = this.pushes.get(id);
    if (!tx) throw new Error(`no push transaction "${id}"`);
    const result = this.resultOf(tx);
    if (result !== 'WAITING') throw new Error(`push transaction "${id}" is ${result}, not WAITING`);
    tx.answer = answer === 'approve' ? 'SUCCESS' : 'REJECTED';
    return tx;
  }

  /** Every SMS / email code sent, oldest first. */
  sentCodes(): SentCode[] {
    return this.codes.map((c) => ({ ...c }));
  }

  /** The code the user's authenticator app shows now for their TOTP factor. */
  totpCode(factor: SandboxFactor, atMs = this.now()): string {
    return totpCode(FactorChallenges.secretOf(factor), atMs);
  }
}
