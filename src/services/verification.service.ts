/**
 * Verifying the requester before a reset link, an unlock or an approval request goes out
 * (docs/architecture.md, "Verification"). Triage decides as usual; when the decision would act
 * and the policy asks for proof, the request moves to Verifying instead: resetdesk sends an Okta
 * Verify push (polled by a durable job) and/or accepts a code the requester types in. Proven →
 * Triaging again, and the decision is taken afresh and applied. A rejected push or too many
 * wrong codes → Escalated (High) as a possible account takeover; a push that times out returns
 * the request to the requester once, then cancels it. Codes are never stored or logged.
 */
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import { askRequester, markVerified, startVerifying, updateVerification } from '../db/repositories/request-lifecycle.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import type { PolicyDecision } from '../domain/decision.js';
import type { FactorVerification, OktaFactor } from '../domain/okta-facts.js';
import type { VerificationLevel } from '../domain/policy.js';
import { planChallenge, requiredLevel, type VerificationOption, type VerificationState } from '../domain/verification.js';
import { AppError } from '../errors/error-codes.js';
import { AGENT_ACTOR, auditedCall } from '../jobs/audited-call.js';
import { enqueueEmail, enqueueTriage } from '../jobs/enqueue.js';
import { JOB_KINDS } from '../jobs/job-kinds.js';
import { nowIso, nowMs } from '../time.js';
import { applyDecision } from './apply-decision.js';
import { cancelBySystem } from './request-lifecycle.service.js';

/** How often a push transaction is read while the phone has not answered. */
const PUSH_POLL_MS = 3_000;
/** Codes Okta may send (SMS, email) per challenge round: enough for a typo'd number, not for bombing a phone. */
const MAX_CODES_SENT = 3;

/** Pipeline decisions of verification (not policy rules), recorded like rule ids. */
const VERIFICATION_RULES = {
  rejected: 'verification_rejected',
  failed: 'verification_failed',
  unavailable: 'verification_unavailable',
} as const;

/**
 * The proof `decision` needs before it is applied, or null: never to deny, never twice, and
 * not when the policy asks for none on this channel (raised for sensitive apps and privileged
 * users).
 */
export function verificationNeeded(
  ctx: AppContext,
  request: PasswordRequest,
  decision: PolicyDecision,
): Exclude<VerificationLevel, 'none'> | null {
  if (request.verifiedAt !== null || decision.outcome === 'Denied') return null;
  const level = requiredLevel(ctx.policy, request.verificationLevel, {
    sensitiveApp: decision.ruleId === 'sensitive_app' || decision.facts.catalogSensitive === true,
    privilegedUser: decision.ruleId === 'privileged_user',
  });
  return level === 'none' ? null : level;
}

/**
 * Starts a challenge round: Triaging (or Waiting, after a push timed out) → Verifying. Sends the
 * push when the plan has one; with nothing the person could prove possession of, a human takes
 * over (Escalated, High). `known` is what triage already read (the requester's Okta user and
 * factors); anything missing is read here.
 */
export async function startVerification(
  ctx: AppContext,
  request: PasswordRequest,
  level: Exclude<VerificationLevel, 'none'>,
  known: { userId?: string | null; factors?: readonly OktaFactor[] | undefined } = {},
): Promise<void> {
  const userId = known.userId ?? request.oktaUserId ?? (await requesterUserId(ctx, request));
  const factors = known.factors;
  if (userId === null)
    return escalate(
      ctx,
      request,
      VERIFICATION_RULES.unavailable,
      'The requester could not be matched to one Okta user, so they cannot be verified.',
    );
  const enrolled =
    factors ??
    (await auditedCall(ctx.db, request.id, 'okta.listFactors', { userId }, () => ctx.okta.listFactors(userId), summarizeFactors));
  const plan = planChallenge(level, enrolled);
  if (!plan.push && plan.codes.length === 0) {
    return escalate(ctx, request, VERIFICATION_RULES.unavailable, noFactorReason(level));
  }
  const previous = request.verification;
  const state: VerificationState = {
    challengeId: newId('chl'),
    level,
    plan,
    push: null,
    issued: [],
    failures: previous?.failures ?? 0,
    maxAttempts: ctx.policy.verification.maxAttempts,
    timeouts: previous?.timeouts ?? 0,
    startedAt: nowIso(),
  };
  if (plan.push) {
    const push = plan.push;
    const sent = await auditedCall(ctx.db, request.id, 'okta.verifyFactor', { userId, factorId: push.factorId, factorType: 'push' }, () =>
      ctx.okta.verifyFactor(userId, push.factorId),
    );
    if (sent.result === 'WAITING' && sent.pollUrl) {
      // The policy's timeout, or Okta's own expiry (about five minutes) when that comes first.
      const deadline = nowMs() + ctx.policy.verification.pushTimeoutSeconds * 1000;
      const oktaExpiry = sent.expiresAt ? Date.parse(sent.expiresAt) : Number.NaN;
      const expiresAt = new Date(Number.isNaN(oktaExpiry) ? deadline : Math.min(deadline, oktaExpiry)).toISOString();
      state.push = { factorId: push.factorId, pollUrl: sent.pollUrl, numberChallenge: sent.numberChallenge, expiresAt };
    } else if (plan.codes.length === 0) {
      return escalate(
        ctx,
        request,
        VERIFICATION_RULES.unavailable,
        `Okta could not send the push (${sent.result}), so the requester cannot be verified.`,
      );
    }
  }
  const from = request.status === 'Waiting' ? 'Waiting' : 'Triaging';
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await startVerifying(trx, request.id, from, state))) return; // moved meanwhile (cancelled): nothing to verify
    await appendAuditEvent(trx, {
      requestId: request.id,
      actor: AGENT_ACTOR,
      eventType: 'Message',
      details: {
        kind: 'verification',
        step: 'started',
        level,
        push: state.push !== null,
        numberChallenge: state.push?.numberChallenge ?? null,
        codeFactors: plan.codes.map((c) => c.factorType),
      },
    });
    if (state.push) await enqueuePoll(trx, request.id, state.challengeId, 1);
  });
  ctx.wakeWorker();
}

/** What the requester sends to verify: a code for one of the offered factors, or nothing (send the code / start again). */
export interface VerifyInput {
  factorId?: string | undefined;
  passCode?: string | undefined;
}

/**
 * The requester's move: `{ factorId }` of an SMS / email factor asks Okta to send the code;
 * `{ factorId, passCode }` checks a code; `{}` on a request returned after a timed-out push
 * starts verification again.
 */
export async function submitVerification(ctx: AppContext, principal: Principal, id: string, input: VerifyInput): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request || !(isRequesterOf(principal, request) || principal.role === 'approver' || principal.role === 'admin')) {
    throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  }
  if (!isRequesterOf(principal, request)) throw new AppError('FORBIDDEN', 'Only the requester can prove who they are.');
  if (request.status === 'Waiting' && request.question?.reason === 'verification_timeout') return restartVerification(ctx, request);
  const state = request.verification;
  if (request.status !== 'Verifying' || !state) {
    throw new AppError('NOT_VERIFYING', `This request is ${request.status}; it is not waiting for verification.`);
  }
  const option = state.plan.codes.find((c) => c.factorId === input.factorId);
  if (!option) {
    const offered = state.plan.codes.map((c) => `${c.factorId} (${c.factorType})`).join(', ');
    throw new AppError(
      'VALIDATION_FAILED',
      `factorId: use one of the factors on offer${offered ? `: ${offered}` : ' (none: approve the push on your phone)'}`,
      {
        fields: [{ field: 'factorId', message: 'not one of the factors on offer' }],
      },
    );
  }
  const userId = request.oktaUserId ?? (await requesterUserId(ctx, request));
  if (userId === null) throw new AppError('NOT_VERIFYING', 'The requester is no longer one Okta user; reload the request.');
  const passCode = input.passCode?.trim();
  if (!passCode) return sendCode(ctx, request, state, option, userId);
  const checked = await auditedCall(
    ctx.db,
    request.id,
    'okta.verifyFactor',
    { userId, factorId: option.factorId, factorType: option.factorType, passCode: '[withheld]' },
    () => ctx.okta.verifyFactor(userId, option.factorId, { passCode }),
    (r) => ({ result: r.result }),
  );
  if (checked.result === 'SUCCESS') {
    await verified(ctx, request, state, option.factorType);
    return mustGet(ctx, id);
  }
  const failures = state.failures + 1;
  const left = state.maxAttempts - failures;
  await appendAuditEvent(ctx.db, {
    requestId: id,
    actor: request.requester,
    eventType: 'Message',
    details: { kind: 'verification', step: 'wrong_code', factorType: option.factorType, failures },
  });
  if (left <= 0) {
    await escalate(
      ctx,
      request,
      VERIFICATION_RULES.failed,
      `Verification failed: ${failures} wrong codes — possible account takeover. IT will review this request.`,
    );
    throw new AppError('VERIFICATION_FAILED', 'That code was not right, and there are no attempts left: IT will review the request.', {
      attemptsLeft: 0,
    });
  }
  await updateVerification(ctx.db, id, { ...state, failures });
  throw new AppError('VERIFICATION_FAILED', `That code was not right; ${left} attempt${left === 1 ? '' : 's'} left.`, {
    attemptsLeft: left,
  });
}

/** After a push timed out, the requester starts again: a new round (a new push). */
export async function restartVerification(ctx: AppContext, request: PasswordRequest): Promise<PasswordRequest> {
  await startVerification(ctx, request, request.verification?.level ?? 'auto');
  return mustGet(ctx, request.id);
}

async function sendCode(
  ctx: AppContext,
  request: PasswordRequest,
  state: VerificationState,
  option: VerificationOption,
  userId: string,
): Promise<PasswordRequest> {
  if (!option.issue)
    throw new AppError('VALIDATION_FAILED', 'passCode: type the code your authenticator app shows', {
      fields: [{ field: 'passCode', message: 'required for this factor' }],
    });
  if (state.issued.length >= MAX_CODES_SENT) {
    throw new AppError('RATE_LIMITED', `Okta has sent ${MAX_CODES_SENT} codes for this request already; use one of them.`, {
      retryAfterSeconds: 60,
    });
  }
  await auditedCall(
    ctx.db,
    request.id,
    'okta.verifyFactor',
    { userId, factorId: option.factorId, factorType: option.factorType },
    () => ctx.okta.verifyFactor(userId, option.factorId),
    (r) => ({ result: r.result }),
  );
  await updateVerification(ctx.db, request.id, { ...state, issued: [...state.issued, option.factorId] });
  return mustGet(ctx, request.id);
}

/**
 * The push poller (a job per read, each due PUSH_POLL_MS after the last): does nothing unless
 * the request is still Verifying in round `challengeId`.
 */
export async function pollPush(ctx: AppContext, requestId: string, challengeId: string, round: number): Promise<void> {
  const request = await getRequest(ctx.db, requestId);
  const state = request?.verification;
  if (request?.status !== 'Verifying' || state?.challengeId !== challengeId || !state.push) return;
  const push = state.push;
  const answer: FactorVerification = await auditedCall(
    ctx.db,
    requestId,
    'okta.pollFactorTransaction',
    { factorId: push.factorId, round },
    () => ctx.okta.pollFactorTransaction(push.pollUrl),
    (r) => ({ result: r.result }),
  );
  if (answer.result === 'SUCCESS') return verified(ctx, request, state, 'push');
  if (answer.result === 'REJECTED') {
    return escalate(
      ctx,
      request,
      VERIFICATION_RULES.rejected,
      'Verification rejected — possible account takeover: the Okta Verify push was denied on the phone.',
    );
  }
  if (answer.result === 'TIMEOUT' || nowMs() >= Date.parse(push.expiresAt)) return timedOut(ctx, request, state);
  await enqueuePoll(ctx.db, requestId, challengeId, round + 1);
}

/** The first push that times out returns the request to the requester; the second cancels it. */
async function timedOut(ctx: AppContext, request: PasswordRequest, state: VerificationState): Promise<void> {
  const timeouts = state.timeouts + 1;
  if (timeouts >= 2) {
    await cancelBySystem(
      ctx,
      request,
      'Cancelled: the Okta Verify push was not answered, twice. File a new request when your phone is at hand.',
      {
        reason: 'verification timed out twice',
      },
    );
    return;
  }
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await updateVerification(trx, request.id, { ...state, timeouts, push: null }))) return;
    const questionId = newId('qst');
    const text = 'The Okta Verify push was not answered in time. Start verification again when your phone is at hand.';
    const asked = await askRequester(trx, request.id, 'Verifying', {
      id: questionId,
      text,
      reason: 'verification_timeout',
      candidates: [],
      askedBy: AGENT_ACTOR,
      requester: request.requester,
    });
    if (!asked) return;
    await appendAuditEvent(trx, {
      requestId: request.id,
      actor: AGENT_ACTOR,
      eventType: 'Message',
      details: { kind: 'question', questionId, to: request.requester, reason: 'verification_timeout', question: text, candidates: [] },
    });
    await enqueueEmail(trx, {
      requestId: request.id,
      to: request.requester,
      template: 'question',
      question: text,
      candidates: [],
      dedupe: questionId,
    });
    await enqueueJob(trx, {
      kind: JOB_KINDS.waitingTimeout,
      payload: { requestId: request.id, questionId },
      idempotencyKey: `waiting-timeout:${request.id}:${questionId}`,
      runAt: new Date(nowMs() + ctx.policy.waiting.cancelAfterHours * 3_600_000),
      maxAttempts: 12,
    });
  });
  ctx.wakeWorker();
}

/** Proven: Verifying → Triaging, and triage runs again to take and apply the decision. */
async function verified(ctx: AppContext, request: PasswordRequest, state: VerificationState, factorType: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await markVerified(trx, request.id, state))) return;
    await appendAuditEvent(trx, {
      requestId: request.id,
      actor: request.requester,
      eventType: 'Message',
      details: { kind: 'verification', step: 'verified', factorType },
    });
    await enqueueTriage(trx, request.id, state.challengeId);
  });
  ctx.wakeWorker();
}

/** A human takes over, at High priority, with the reason; the approvers are notified as for any escalation. */
async function escalate(ctx: AppContext, request: PasswordRequest, ruleId: string, rationale: string): Promise<void> {
  const current = (await getRequest(ctx.db, request.id)) ?? request;
  if (current.status !== 'Verifying' && current.status !== 'Triaging') return;
  const approverGroup = (await findAppByName(ctx.db, current.app))?.approverGroup ?? ctx.policy.escalation.approverGroup;
  const decision: PolicyDecision = {
    source: 'engine',
    outcome: 'Escalated',
    ruleId: ruleId as PolicyDecision['ruleId'],
    rationale,
    priority: 'High',
    nextStatus: 'Escalated',
    resetMethod: current.resetMethod as PolicyDecision['resetMethod'],
    actions: [
      { type: 'request_approval', approverGroup },
      { type: 'notify_requester', notice: 'escalated' },
    ],
    policyVersion: ctx.policy.version,
    facts: { verification: current.verification && { level: current.verification.level, failures: current.verification.failures } },
    app: current.app,
    oktaUserId: current.oktaUserId,
    oktaAppId: current.oktaAppId,
  };
  await applyDecision(ctx, current, decision);
}

function enqueuePoll(db: Db, requestId: string, challengeId: string, round: number): Promise<boolean> {
  return enqueueJob(db, {
    kind: JOB_KINDS.verifyPush,
    payload: { requestId, challengeId, round },
    idempotencyKey: `verify-push:${requestId}:${challengeId}:${round}`,
    runAt: new Date(nowMs() + PUSH_POLL_MS),
    maxAttempts: 5,
  });
}

async function requesterUserId(ctx: AppContext, request: PasswordRequest): Promise<string | null> {
  const found = await auditedCall(
    ctx.db,
    request.id,
    'okta.findUser',
    { login: request.requester },
    () => ctx.okta.findUser(request.requester),
    (r) => (r.kind === 'found' ? { kind: r.kind, userId: r.user.id } : r),
  );
  return found.kind === 'found' ? found.user.id : null;
}

function summarizeFactors(factors: OktaFactor[]) {
  return factors.map((f) => ({ type: f.factorType, status: f.status }));
}

function noFactorReason(level: Exclude<VerificationLevel, 'none'>): string {
  return level === 'push'
    ? 'The policy asks for an Okta Verify push, and the requester has no active push factor, so IT will verify them another way.'
    : 'The requester has no active factor to verify with, so IT will verify them another way.';
}

function isRequesterOf(principal: Principal, request: PasswordRequest): boolean {
  return principal.email === request.requester || (principal.role === 'intake' && principal.email === request.submittedBy);
}

async function mustGet(ctx: AppContext, id: string): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return request;
}
