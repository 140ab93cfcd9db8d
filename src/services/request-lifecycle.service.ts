/**
 * The parts of the lifecycle that wait on people (docs/architecture.md, "Lifecycle"): triage
 * asking the requester which app they meant, an approver returning a request for more
 * information, the requester's answer, cancelling, and the waiting window running out. Every
 * change is one transaction: the conditional status update (so of two racing actors one wins),
 * its audit event, and the jobs it implies (emails, timers), each keyed so it happens once.
 */
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest, type QuestionReason, transitionRequest } from '../db/repositories/request.repository.js';
import { answerQuestion, askRequester, cancelOpenRequest } from '../db/repositories/request-lifecycle.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import type { RequesterQuestion } from '../domain/decision-engine.js';
import { isOpen } from '../domain/lifecycle.js';
import { AppError } from '../errors/error-codes.js';
import { AGENT_ACTOR } from '../jobs/audited-call.js';
import { enqueueEmail, enqueueTriage } from '../jobs/enqueue.js';
import { enqueueEscalationFollowUps } from '../jobs/escalation.jobs.js';
import { JOB_KINDS } from '../jobs/job-kinds.js';
import { nowMs } from '../time.js';
import { assertNotOwnRequest } from './separation-of-duties.js';
import { restartVerification } from './verification.service.js';

const HOUR_MS = 3_600_000;

/** Triage could not tell which app was meant: Triaging → Waiting, the question emailed, the timer set. */
export async function askWhichApp(ctx: AppContext, request: PasswordRequest, ask: RequesterQuestion): Promise<boolean> {
  return unlessRaceLost(ctx, (trx) =>
    ask_(trx, ctx, request, 'Triaging', { text: ask.question, reason: ask.reason, candidates: ask.candidates, askedBy: AGENT_ACTOR }),
  );
}

/** What an approver sends back with a returned request. */
export interface ReturnInput {
  question: string;
}

/**
 * An approver returns an escalated request for more information: Escalated → Waiting with their
 * question. `checkDecidable` has already applied every rule an approval must pass (separation
 * of duties, the approver group); an approval already in flight wins (ALREADY_DECIDED).
 */
export async function returnForInformation(
  ctx: AppContext,
  principal: Principal,
  request: PasswordRequest,
  input: ReturnInput,
): Promise<PasswordRequest> {
  const returned = await unlessRaceLost(ctx, (trx) =>
    ask_(trx, ctx, request, 'Escalated', { text: input.question.trim(), reason: 'returned', candidates: [], askedBy: principal.email }),
  );
  if (!returned) throw new AppError('ALREADY_DECIDED', 'This request has already been decided or returned; nothing was changed.');
  return mustGet(ctx, request.id);
}

async function ask_(
  trx: Db,
  ctx: AppContext,
  request: PasswordRequest,
  from: 'Triaging' | 'Escalated',
  q: { text: string; reason: QuestionReason; candidates: string[]; askedBy: string },
): Promise<void> {
  // The question's id ties the answer, the email and the timer to this question, not to an
  // earlier or later one. The request row is updated before the audit append, the order every
  // path keeps (the audit chain's lock comes second), so two racing actors cannot deadlock.
  const questionId = newId('qst');
  // Someone else moved it first: throwing rolls everything back.
  if (!(await askRequester(trx, request.id, from, { id: questionId, ...q, requester: request.requester }))) throw new LostRace();
  await appendAuditEvent(trx, {
    requestId: request.id,
    actor: q.askedBy,
    eventType: 'Message',
    details: { kind: 'question', questionId, to: request.requester, reason: q.reason, question: q.text, candidates: q.candidates },
  });
  await enqueueEmail(trx, {
    requestId: request.id,
    to: request.requester,
    template: 'question',
    question: q.text,
    candidates: q.candidates,
    dedupe: questionId,
  });
  await enqueueJob(trx, {
    kind: JOB_KINDS.waitingTimeout,
    payload: { requestId: request.id, questionId },
    idempotencyKey: `waiting-timeout:${request.id}:${questionId}`,
    runAt: new Date(nowMs() + ctx.policy.waiting.cancelAfterHours * HOUR_MS),
    maxAttempts: 12,
  });
}

/** Thrown inside a transaction to roll it back when a conditional update finds the request moved. */
class LostRace extends Error {}

/** Runs `work` in a transaction; false (nothing changed) when it lost a race, else wakes the worker. */
async function unlessRaceLost(ctx: AppContext, work: (trx: Db) => Promise<void>): Promise<boolean> {
  try {
    await ctx.db.transaction().execute(work);
  } catch (err) {
    if (err instanceof LostRace) return false;
    throw err;
  }
  ctx.wakeWorker();
  return true;
}

/** What the requester answers: a free-text message, and/or the app they meant. */
export interface ReplyInput {
  message?: string | undefined;
  app?: string | undefined;
}

/**
 * The requester answers the open question. An app question resumes triage (with the app they
 * chose or typed); an approver's question goes back to that approver group, Escalated again,
 * and its members are told the answer is in.
 */
export async function replyToQuestion(ctx: AppContext, principal: Principal, id: string, input: ReplyInput): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request || !(mayAnswerFor(principal, request) || seesEveryRequest(principal))) {
    throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  }
  if (!mayAnswerFor(principal, request)) {
    throw new AppError('FORBIDDEN', 'Only the requester answers their request’s question; approvers ask with “return for information”.');
  }
  const question = request.question;
  if (request.status !== 'Waiting' || question === null) {
    throw new AppError('NOT_WAITING', `This request is ${request.status}; it is not waiting for an answer.`);
  }
  // A push that timed out: the answer is to start verification again.
  if (question.reason === 'verification_timeout') return restartVerification(ctx, request);
  const message = input.message?.trim() || undefined;
  const app = input.app?.trim() || undefined;
  if (question.reason === 'app_ambiguous' && app === undefined) {
    throw invalidReply('app', `say which app you meant (${question.candidates.join(', ') || 'an app from the catalog'})`);
  }
  if (question.reason === 'returned' && message === undefined) {
    throw invalidReply('message', 'answer the approver’s question in a message');
  }
  const to = question.reason === 'app_ambiguous' ? 'Triaging' : 'Escalated';
  const answered = await unlessRaceLost(ctx, async (trx) => {
    const answered = await answerQuestion(trx, id, question.id, to, to === 'Triaging' ? app : undefined);
    if (!answered) throw new LostRace();
    await appendAuditEvent(trx, {
      requestId: id,
      actor: request.requester,
      eventType: 'Message',
      details: {
        kind: 'answer',
        questionId: question.id,
        ...(message === undefined ? {} : { message }),
        ...(app === undefined ? {} : { app }),
        ...(principal.email === request.requester ? {} : { relayedBy: principal.email }),
      },
    });
    if (to === 'Triaging') {
      await enqueueTriage(trx, id, question.id);
      return;
    }
    const approverGroup = answered.nextOwner ?? ctx.policy.escalation.approverGroup;
    const escalation = await appendAuditEvent(trx, {
      requestId: id,
      actor: AGENT_ACTOR,
      eventType: 'Escalation',
      details: { reason: 'The requester answered the approver’s question.', nextOwner: approverGroup, priority: answered.priority },
    });
    await enqueueEscalationFollowUps(trx, { requestId: id, approverGroup, cycle: escalation.eventId });
  });
  if (!answered) throw new AppError('NOT_WAITING', 'This request is no longer waiting for this answer; reload it.');
  return mustGet(ctx, id);
}

function invalidReply(field: 'app' | 'message', message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { fields: [{ field, message }] });
}

/** What may go with a cancellation. */
export interface CancelInput {
  reason?: string | undefined;
}

/**
 * The requester (or the channel that filed it, or an admin) cancels an open request. An
 * approved reset already being carried out cannot be cancelled (ALREADY_DECIDED).
 */
export async function cancelRequest(ctx: AppContext, principal: Principal, id: string, input: CancelInput): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  const admin = principal.role === 'admin';
  if (!request || !(admin || mayAnswerFor(principal, request) || seesEveryRequest(principal))) {
    throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  }
  if (!(admin || mayAnswerFor(principal, request))) {
    throw new AppError('FORBIDDEN', 'Only the requester or an admin may cancel a request; approvers deny it instead.');
  }
  if (!isOpen(request.status)) throw new AppError('NOT_OPEN', `This request is ${request.status}; only open requests can be cancelled.`);
  if (request.manualDecision !== null) {
    throw new AppError('ALREADY_DECIDED', 'An approver has already decided this request; it can no longer be cancelled.');
  }
  const reason = input.reason?.trim() || null;
  const who = principal.email === request.requester ? 'the requester' : admin ? `an admin (${principal.email})` : principal.email;
  const cancelled = await cancel(ctx, request, {
    actor: principal.email,
    rationale: `Cancelled by ${who}${reason ? `: ${reason}` : '.'}`,
    details: { kind: 'cancel', by: principal.email, ...(reason ? { reason } : {}) },
  });
  if (!cancelled) throw new AppError('NOT_OPEN', 'This request changed while you cancelled it; reload it.');
  return mustGet(ctx, id);
}

/** resetdesk itself cancels an open request (e.g. verification timed out twice), with a notice. */
export function cancelBySystem(
  ctx: AppContext,
  request: PasswordRequest,
  rationale: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  return cancel(ctx, request, { actor: AGENT_ACTOR, rationale, details: { kind: 'cancel', by: AGENT_ACTOR, ...details } });
}

/** The waiting window ran out on question `questionId`: cancel, with a notice. False when answered since. */
export async function expireWaiting(ctx: AppContext, requestId: string, questionId: string): Promise<boolean> {
  const request = await getRequest(ctx.db, requestId);
  if (request?.status !== 'Waiting' || request.question?.id !== questionId) return false;
  const hours = ctx.policy.waiting.cancelAfterHours;
  return cancel(
    ctx,
    request,
    {
      actor: AGENT_ACTOR,
      rationale: `Cancelled: no answer to the question within ${hours} hours. File a new request when you are ready.`,
      details: { kind: 'cancel', by: AGENT_ACTOR, reason: `no answer within ${hours} hours`, questionId },
    },
    questionId,
  );
}

async function cancel(
  ctx: AppContext,
  request: PasswordRequest,
  c: { actor: string; rationale: string; details: Record<string, unknown> },
  questionId?: string,
): Promise<boolean> {
  return unlessRaceLost(ctx, async (trx) => {
    if (!(await cancelOpenRequest(trx, request.id, request.status, c.rationale, questionId))) throw new LostRace();
    await appendAuditEvent(trx, { requestId: request.id, actor: c.actor, eventType: 'Message', details: c.details });
    await enqueueEmail(trx, { requestId: request.id, to: request.requester, template: 'cancelled', reason: c.rationale });
  });
}

/** How the system that keeps an external password says the reset went. */
export interface ExternalResultInput {
  outcome: 'Completed' | 'Failed';
  comment?: string | undefined;
}

/**
 * Records the result of a reset carried out outside resetdesk: PendingExternal → Completed
 * ("Completed With Success") or Failed ("Completed With Failure"), and the requester is told.
 * Today an approver or admin records it once the external system (or a person) has reset the
 * password; the external executor's signed callback will call this same function. The rules
 * of an approval apply: never for your own account.
 */
export async function recordExternalResult(
  ctx: AppContext,
  principal: Principal,
  id: string,
  input: ExternalResultInput,
): Promise<PasswordRequest> {
  if (principal.role !== 'approver' && principal.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Only approvers and admins record the result of an external reset.');
  }
  const request = await mustGet(ctx, id);
  if (request.requester === principal.email || request.targetUser?.toLowerCase() === principal.email) {
    throw new AppError('SELF_DECISION', 'Nobody may record the result of a reset of their own account; ask another approver.');
  }
  if (request.status !== 'PendingExternal') {
    throw new AppError(
      'NOT_PENDING_EXTERNAL',
      `This request is ${request.status}; only requests pending with an external system take a result.`,
    );
  }
  await assertNotOwnRequest(ctx, principal, request);
  const comment = input.comment?.trim() || null;
  const rationale =
    input.outcome === 'Completed'
      ? `The ${request.app} password was reset outside resetdesk (recorded by ${principal.email}).`
      : `The ${request.app} password could not be reset outside resetdesk${comment ? `: ${comment}` : '.'} (recorded by ${principal.email})`;
  const recorded = await unlessRaceLost(ctx, async (trx) => {
    const moved = await transitionRequest(trx, id, 'PendingExternal', input.outcome, { rationale });
    if (!moved) throw new LostRace();
    await appendAuditEvent(trx, {
      requestId: id,
      actor: principal.email,
      eventType: input.outcome === 'Completed' ? 'Approval' : 'Rejection',
      details: { kind: 'external_result', outcome: input.outcome, comment },
    });
    await enqueueEmail(trx, {
      requestId: id,
      to: request.requester,
      template: input.outcome === 'Completed' ? 'external_completed' : 'reset_failed',
      comment,
    });
  });
  if (!recorded) throw new AppError('NOT_PENDING_EXTERNAL', 'This request changed while you recorded its result; reload it.');
  return mustGet(ctx, id);
}

/** The requester, or the intake channel that filed the request for them (it relays their words). */
function mayAnswerFor(principal: Principal, request: PasswordRequest): boolean {
  if (principal.email === request.requester) return true;
  return principal.role === 'intake' && principal.email === request.submittedBy;
}

/** Approvers and admins read every request: for them an existing id is no secret. */
function seesEveryRequest(principal: Principal): boolean {
  return principal.role === 'approver' || principal.role === 'admin';
}

async function mustGet(ctx: AppContext, id: string): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return request;
}
