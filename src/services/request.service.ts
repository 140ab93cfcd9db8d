import type { AppContext } from '../app-context.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { insertDecision, listDecisions, listDecisionsFor, type StoredDecision } from '../db/repositories/decision.repository.js';
import {
  claimManualDecision,
  getRequest,
  insertRequest,
  listRequests,
  transitionRequest,
  type PasswordRequest,
  type RequestFilter,
} from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { nowIso } from '../db/ids.js';
import { isTerminal } from '../domain/lifecycle.js';
import { AppError } from '../errors/error-codes.js';
import { enqueueEmail, enqueueOktaReset, enqueueTriage } from '../jobs/enqueue.js';
import { assertWithinPersonLimits } from './request-limits.js';
import { assertNotOwnRequest } from './separation-of-duties.js';

export interface CreateRequestInput {
  app: string;
  justification: string;
  targetUser?: string | undefined;
  /** Honoured only for intake principals (trusted channels that authenticated the person). */
  requester?: string | undefined;
  channel?: string | undefined;
}

/**
 * Creates a request for the authenticated principal and enqueues its triage; both commit in one
 * transaction, and triage runs in the background, never inside the HTTP request.
 */
export async function createRequest(ctx: AppContext, principal: Principal, input: CreateRequestInput): Promise<PasswordRequest> {
  if (input.requester !== undefined && principal.role !== 'intake') {
    throw new AppError('FORBIDDEN', 'Only an intake channel may submit a request on behalf of someone ("requester"); omit it to ask for yourself.');
  }
  if (principal.role === 'intake' && input.requester === undefined) {
    throw new AppError('VALIDATION_FAILED', 'requester: an intake channel must say whom the request is for', {
      fields: [{ field: 'requester', message: 'required for intake tokens' }],
    });
  }
  const requester = (input.requester ?? principal.email).trim().toLowerCase();
  const request = await ctx.db.transaction().execute(async (trx) => {
    // Counted against the person, whichever channel files for them; inside the transaction so
    // concurrent creates for one person cannot all slip under the limit.
    await assertWithinPersonLimits(trx, ctx, requester);
    const created = await insertRequest(trx, {
      requester,
      app: input.app.trim(),
      justification: input.justification.trim(),
      targetUser: input.targetUser?.trim() || null,
      channel: input.channel ?? (principal.role === 'intake' ? 'intake' : 'api'),
      submittedBy: principal.email,
    });
    await appendAuditEvent(trx, {
      requestId: created.id,
      actor: requester,
      eventType: 'Message',
      details: {
        channel: created.channel,
        submittedBy: principal.email,
        app: created.app,
        targetUser: created.targetUser,
        justification: created.justification,
      },
    });
    await enqueueTriage(trx, created.id);
    return created;
  });
  ctx.wakeWorker();
  return request;
}

/** Loads a request the principal may see; others' requests are a 404 to requesters. */
export async function getVisibleRequest(ctx: AppContext, principal: Principal, id: string): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request || !canSee(principal, request)) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return request;
}

/** Requests the principal may see, newest first, each with its decisions. */
export async function listVisibleRequests(
  ctx: AppContext,
  principal: Principal,
  filter: Omit<RequestFilter, 'visibleTo'>,
): Promise<{ request: PasswordRequest; decisions: StoredDecision[] }[]> {
  const seesAll = principal.role === 'admin' || principal.role === 'approver';
  const rows = await listRequests(ctx.db, { ...filter, ...(seesAll ? {} : { visibleTo: principal.email }) });
  const decisions = await listDecisionsFor(ctx.db, rows.map((r) => r.id));
  return rows.map((request) => ({ request, decisions: decisions.get(request.id) ?? [] }));
}

/** One request the principal may see, with its decisions and audit timeline. */
export async function getVisibleRequestWithHistory(ctx: AppContext, principal: Principal, id: string) {
  const request = await getVisibleRequest(ctx, principal, id);
  const [decisions, events] = await Promise.all([listDecisions(ctx.db, id), listAuditEvents(ctx.db, id)]);
  return { request, decisions, events };
}

export function canSee(principal: Principal, request: PasswordRequest): boolean {
  if (principal.role === 'admin' || principal.role === 'approver') return true;
  return request.requester === principal.email || request.submittedBy === principal.email;
}

/** A request just decided by a human, with its decisions (for the API's answer). */
export interface DecidedRequest {
  request: PasswordRequest;
  decisions: StoredDecision[];
}

async function decidedRequest(ctx: AppContext, id: string): Promise<DecidedRequest> {
  const [request, decisions] = await Promise.all([getRequest(ctx.db, id), listDecisions(ctx.db, id)]);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return { request, decisions };
}

export interface HumanDecisionInput {
  comment?: string | undefined;
}

/**
 * An approver approves an escalated request. The conditional claim makes it exactly once: a
 * second approval (or a concurrent one) is ALREADY_DECIDED, never a second reset.
 */
export async function approveRequest(ctx: AppContext, principal: Principal, id: string, input: HumanDecisionInput): Promise<DecidedRequest> {
  const request = await checkDecidable(ctx, principal, id);
  const comment = input.comment?.trim() || null;
  const catalogApp = await findAppByName(ctx.db, request.app);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await claimManualDecision(trx, id, { manualDecision: 'Approved', decidedBy: principal.email, comment }))) throw alreadyDecided();
    await recordHumanDecision(trx, request, principal, 'Approved', comment);
    const to = request.requester;
    switch (request.resetMethod) {
      case 'okta_reset':
        await enqueueOktaReset(trx, id);
        break;
      case 'swa_link':
        if (catalogApp?.resetUrl) {
          await transitionRequest(trx, id, 'Escalated', 'Completed', { decision: 'Approved' });
          await enqueueEmail(trx, { requestId: id, to, template: 'reset_link', resetUrl: catalogApp.resetUrl });
          break;
        }
        await completeByHand(trx, request, principal, comment);
        break;
      case 'external':
        await transitionRequest(trx, id, 'Escalated', 'PendingExternal', { decision: 'Approved' });
        await enqueueEmail(trx, { requestId: id, to, template: 'pending_external' });
        break;
      default:
        // No automatic reset path is known (e.g. a bookmark app): the approver resets by hand.
        await completeByHand(trx, request, principal, comment);
    }
  });
  ctx.wakeWorker();
  return decidedRequest(ctx, id);
}

/** An approver denies an escalated request: Rejected, audited, and the requester is told. */
export async function denyRequest(ctx: AppContext, principal: Principal, id: string, input: HumanDecisionInput): Promise<DecidedRequest> {
  const request = await checkDecidable(ctx, principal, id);
  const comment = input.comment?.trim() || null;
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await claimManualDecision(trx, id, { manualDecision: 'Denied', decidedBy: principal.email, comment }))) throw alreadyDecided();
    await recordHumanDecision(trx, request, principal, 'Denied', comment);
    await transitionRequest(trx, id, 'Escalated', 'Rejected', { decision: 'Rejected' });
    await enqueueEmail(trx, { requestId: id, to: request.requester, template: 'rejected_by_approver', comment });
  });
  ctx.wakeWorker();
  return decidedRequest(ctx, id);
}

/** Approved, but nothing can reset it automatically: the approver does it, and we say so. */
async function completeByHand(trx: AppContext['db'], request: PasswordRequest, principal: Principal, comment: string | null): Promise<void> {
  await transitionRequest(trx, request.id, 'Escalated', 'Completed', {
    decision: 'Approved',
    rationale: `${request.rationale ?? ''} Approved by ${principal.email}, who resets it by hand.`.trim(),
  });
  await enqueueEmail(trx, { requestId: request.id, to: request.requester, template: 'approved_manual', comment });
}

async function checkDecidable(ctx: AppContext, principal: Principal, id: string): Promise<PasswordRequest> {
  if (principal.role !== 'approver' && principal.role !== 'admin') throw new AppError('FORBIDDEN', 'Only approvers and admins decide requests.');
  const request = await getRequest(ctx.db, id);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  if (request.requester === principal.email || request.targetUser?.toLowerCase() === principal.email) {
    throw new AppError('SELF_DECISION', 'Nobody may decide their own request; ask another approver.');
  }
  if (request.manualDecision !== null || isTerminal(request.status) || request.status === 'Closed') throw alreadyDecided();
  if (request.status !== 'Escalated') {
    throw new AppError('NOT_AWAITING_DECISION', `This request is ${request.status}; only Escalated requests wait for a human decision.`);
  }
  await assertNotOwnRequest(ctx, principal, request);
  return request;
}

function alreadyDecided(): AppError {
  return new AppError('ALREADY_DECIDED', 'This request has already been decided; nothing was changed.');
}

async function recordHumanDecision(
  trx: AppContext['db'],
  request: PasswordRequest,
  principal: Principal,
  decision: 'Approved' | 'Denied',
  comment: string | null,
): Promise<void> {
  const date = nowIso();
  await insertDecision(trx, request.id, 'human', {
    request_id: request.id,
    requestApp: request.app,
    requestUser: request.requester,
    date,
    outcome: decision,
    rationale: comment ? `${decision} by ${principal.email}: ${comment}` : `${decision} by ${principal.email}.`,
    app: request.app,
    oktaAppId: request.oktaAppId,
    oktaUserId: request.oktaUserId,
    decidedBy: principal.email,
  });
  await appendAuditEvent(trx, {
    requestId: request.id,
    actor: principal.email,
    eventType: decision === 'Approved' ? 'Approval' : 'Rejection',
    details: { decision, comment, resetMethod: request.resetMethod },
  });
}

/** The audit timeline of a request the principal may see. */
export async function listVisibleEvents(ctx: AppContext, principal: Principal, id: string) {
  await getVisibleRequest(ctx, principal, id);
  return listAuditEvents(ctx.db, id);
}
