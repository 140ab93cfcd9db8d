import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { type DecisionLogEntry, listDecisions, listDecisionsFor } from '../db/repositories/decision.repository.js';
import {
  findOpenDuplicate,
  getRequest,
  getRequestVersion,
  insertRequest,
  listRequests,
  type PasswordRequest,
  type RequestFilter,
  recentResets,
} from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import type { HumanDecision } from '../domain/decision.js';
import { type ApproverVerdict, humanDecision } from '../domain/human-decision.js';
import { isTerminal } from '../domain/lifecycle.js';
import { appNameKey } from '../domain/policy.js';
import { channelLevel } from '../domain/verification.js';
import { AppError } from '../errors/error-codes.js';
import { enqueueEmail, enqueueTriage } from '../jobs/enqueue.js';
import { nowMs } from '../time.js';
import { applyDecision } from './apply-decision.js';
import { assertMayDecide } from './approver-directory.js';
import { type ReturnInput, returnForInformation } from './request-lifecycle.service.js';
import { assertWithinPersonLimits, lockPerson } from './request-limits.js';
import { assertNotOwnRequest } from './separation-of-duties.js';

export interface CreateRequestInput {
  app: string;
  justification: string;
  targetUser?: string | undefined;
  /** Honoured only for intake principals (trusted channels that authenticated the person). */
  requester?: string | undefined;
  channel?: string | undefined;
  /** For a signed-in browser: whether the sign-in showed a second factor (decides the web channel's verification). */
  signInMfa?: boolean | undefined;
}

/** A filed request; `existing` when an identical open one was answered instead of a new one. */
export interface FiledRequest {
  request: PasswordRequest;
  existing: boolean;
}

/**
 * Creates a request for the authenticated principal and enqueues its triage; both commit in one
 * transaction, and triage runs in the background, never inside the HTTP request. A second
 * identical open request (same requester, app and account) is answered with the first one; a
 * reset beyond the policy's cooldown is refused (RESET_COOLDOWN, audited on the reset that used
 * the last slot).
 */
export async function createRequest(
  ctx: AppContext,
  principal: Principal,
  input: CreateRequestInput,
  /**
   * Runs in the filing transaction, with the new or reused request: a caller's own records that
   * must exist before the worker can decide it (a chat conversation's link, read when the
   * decision is applied).
   */
  alongside?: (trx: Db, filed: FiledRequest) => Promise<void>,
): Promise<FiledRequest> {
  if (input.requester !== undefined && principal.role !== 'intake') {
    throw new AppError(
      'FORBIDDEN',
      'Only an intake channel may submit a request on behalf of someone ("requester"); omit it to ask for yourself.',
    );
  }
  if (principal.role === 'intake' && input.requester === undefined) {
    throw new AppError('VALIDATION_FAILED', 'requester: an intake channel must say whom the request is for', {
      fields: [{ field: 'requester', message: 'required for intake tokens' }],
    });
  }
  const requester = (input.requester ?? principal.email).trim().toLowerCase();
  const typed = input.app.trim();
  // An alias ("o365") files the request under the app it names, so the duplicate check and the
  // cooldown see one app whichever of its names was typed.
  const named = await findAppByName(ctx.db, typed);
  const app = named && appNameKey(named.name) !== appNameKey(typed) ? named.name : typed;
  const targetUser = input.targetUser?.trim().toLowerCase() || null;
  const channel = input.channel ?? channelOf(principal);
  const filed = await ctx.db.transaction().execute(async (trx): Promise<FiledRequest | Refusal> => {
    // One person's creates run one at a time (see lockPerson), so these checks see each other.
    await lockPerson(trx, ctx, requester);
    const duplicate = ctx.config.limits.reuseOpenDuplicates ? await findOpenDuplicate(trx, requester, app, targetUser) : null;
    if (duplicate) {
      await appendAuditEvent(trx, {
        requestId: duplicate.id,
        actor: requester,
        eventType: 'Message',
        details: { kind: 'duplicate', channel, submittedBy: principal.email },
      });
      const reused = { request: duplicate, existing: true };
      await alongside?.(trx, reused);
      return reused;
    }
    const refusal = await cooldownRefusal(trx, ctx, { requester, app, targetUser, submittedBy: principal.email });
    if (refusal) return refusal;
    // Counted against the person, whichever channel files for them.
    await assertWithinPersonLimits(trx, ctx, requester);
    const created = await insertRequest(trx, {
      requester,
      app,
      justification: input.justification.trim(),
      targetUser,
      channel,
      verificationLevel: channelLevel(ctx.policy, channel, input.signInMfa ?? null),
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
    // Filed for someone by a channel: they hear of it from us at once, so a request they did
    // not make cannot run unnoticed ("If you did not ask for this, contact IT").
    if (created.submittedBy !== created.requester) {
      await enqueueEmail(trx, { requestId: created.id, to: created.requester, template: 'received' });
    }
    const fresh = { request: created, existing: false };
    await alongside?.(trx, fresh);
    await enqueueTriage(trx, created.id);
    return fresh;
  });
  if ('refused' in filed) throw filed.refused;
  if (!filed.existing) {
    ctx.wakeWorker();
    ctx.metrics.requestFiled(filed.request.channel);
  }
  return filed;
}

function channelOf(principal: Principal): string {
  return principal.role === 'intake' ? 'intake' : 'api';
}

/** A refusal that commits its audit event: returned from the transaction, thrown after it. */
interface Refusal {
  refused: AppError;
}

/**
 * The policy's cooldown: at most `maxResets` resets of one account for one app within
 * `perHours`. A refusal is audited on the reset that used the window's last slot, so the
 * account's history shows the attempt.
 */
async function cooldownRefusal(
  trx: Db,
  ctx: AppContext,
  r: { requester: string; app: string; targetUser: string | null; submittedBy: string },
): Promise<Refusal | null> {
  const { maxResets, perHours } = ctx.policy.cooldown;
  if (maxResets === 0) return null;
  const windowMs = perHours * 3_600_000;
  const account = r.targetUser ?? r.requester;
  const resets = await recentResets(trx, account, r.app, new Date(nowMs() - windowMs).toISOString());
  if (resets.length < maxResets) return null;
  const freesUp = resets[resets.length - maxResets];
  const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(freesUp?.updatedAt ?? '') + windowMs - nowMs()) / 1000) || 1);
  const last = resets[resets.length - 1];
  const appName = (await findAppByName(trx, r.app))?.name ?? r.app;
  if (last) {
    await appendAuditEvent(trx, {
      requestId: last.id,
      actor: r.requester,
      eventType: 'Rejection',
      details: {
        kind: 'cooldown',
        refused: 'a new request',
        account,
        app: r.app,
        submittedBy: r.submittedBy,
        maxResets,
        perHours,
        retryAfterSeconds,
      },
    });
  }
  return {
    refused: new AppError(
      'RESET_COOLDOWN',
      `${account}'s ${appName} password was reset ${resets.length} times in the last ${perHours} hours (the policy allows ${maxResets}); try again later or contact IT.`,
      { retryAfterSeconds, maxResets, perHours },
    ),
  };
}

/** Loads a request the principal may see; others' requests are a 404 to requesters. */
export async function getVisibleRequest(ctx: AppContext, principal: Principal, id: string): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request || !canSee(principal, request)) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return request;
}

/** Requests the principal may see, newest first, each with its decision log. */
export async function listVisibleRequests(
  ctx: AppContext,
  principal: Principal,
  filter: Omit<RequestFilter, 'visibleTo'>,
): Promise<{ request: PasswordRequest; decisions: DecisionLogEntry[] }[]> {
  const seesAll = principal.role === 'admin' || principal.role === 'approver';
  const rows = await listRequests(ctx.db, { ...filter, ...(seesAll ? {} : { visibleTo: principal.email }) });
  const decisions = await listDecisionsFor(
    ctx.db,
    rows.map((r) => r.id),
  );
  return rows.map((request) => ({ request, decisions: decisions.get(request.id) ?? [] }));
}

/** One request the principal may see, with its decision log and audit timeline. */
export async function getVisibleRequestWithHistory(ctx: AppContext, principal: Principal, id: string) {
  const request = await getVisibleRequest(ctx, principal, id);
  const [decisions, events] = await Promise.all([listDecisions(ctx.db, id), listAuditEvents(ctx.db, id)]);
  return { request, decisions, events };
}

/** One request the principal may see, with its decision log but not its audit timeline (for following it live). */
export async function getVisibleRequestWithDecisions(
  ctx: AppContext,
  principal: Principal,
  id: string,
): Promise<{ request: PasswordRequest; decisions: DecisionLogEntry[] }> {
  const request = await getVisibleRequest(ctx, principal, id);
  return { request, decisions: await listDecisions(ctx.db, id) };
}

/** A request's status and last change (a cheap read), or null once it is gone; visibility is checked when following starts. */
export function requestVersion(ctx: AppContext, id: string): Promise<{ status: PasswordRequest['status']; updatedAt: string } | null> {
  return getRequestVersion(ctx.db, id);
}

function canSee(principal: Principal, request: PasswordRequest): boolean {
  if (principal.role === 'admin' || principal.role === 'approver') return true;
  return request.requester === principal.email || request.submittedBy === principal.email;
}

/** A request just decided by a human, with its decision log (for the API's answer). */
export interface DecidedRequest {
  request: PasswordRequest;
  decisions: DecisionLogEntry[];
}

async function decidedRequest(ctx: AppContext, id: string): Promise<DecidedRequest> {
  const [request, decisions] = await Promise.all([getRequest(ctx.db, id), listDecisions(ctx.db, id)]);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return { request, decisions };
}

/** What an approver may add to an approval or a denial. */
export interface ApproverInput {
  comment?: string | undefined;
}

/**
 * An approver approves an escalated request; what follows depends on how it resets (see
 * domain/human-decision.ts). Exactly once: a second or concurrent approval is ALREADY_DECIDED,
 * never a second reset.
 */
export async function approveRequest(ctx: AppContext, principal: Principal, id: string, input: ApproverInput): Promise<DecidedRequest> {
  const request = await checkDecidable(ctx, principal, id);
  const catalogApp = await findAppByName(ctx.db, request.app);
  const facts = {
    resetMethod: request.resetMethod,
    resetUrl: catalogApp?.resetUrl ?? null,
    rationale: request.rationale,
    store: request.store,
  };
  return applyApproverDecision(ctx, request, humanDecision(verdictOf('Approved', principal, input), facts));
}

/** An approver denies an escalated request: Rejected, audited, and the requester is told. */
export async function denyRequest(ctx: AppContext, principal: Principal, id: string, input: ApproverInput): Promise<DecidedRequest> {
  const request = await checkDecidable(ctx, principal, id);
  const facts = { resetMethod: request.resetMethod, resetUrl: null, rationale: request.rationale };
  return applyApproverDecision(ctx, request, humanDecision(verdictOf('Denied', principal, input), facts));
}

/** An approver returns an escalated request to the requester with a question (Escalated → Waiting). */
export async function returnRequest(ctx: AppContext, principal: Principal, id: string, input: ReturnInput): Promise<DecidedRequest> {
  const request = await checkDecidable(ctx, principal, id);
  await returnForInformation(ctx, principal, request, input);
  return decidedRequest(ctx, id);
}

function verdictOf(outcome: ApproverVerdict['outcome'], principal: Principal, input: ApproverInput): ApproverVerdict {
  return { outcome, approver: principal.email, comment: input.comment?.trim() || null };
}

/** When the applier finds the request already claimed, another approver was first: ALREADY_DECIDED. */
async function applyApproverDecision(ctx: AppContext, request: PasswordRequest, decision: HumanDecision): Promise<DecidedRequest> {
  if (!(await applyDecision(ctx, request, decision))) throw alreadyDecided();
  return decidedRequest(ctx, request.id);
}

async function checkDecidable(ctx: AppContext, principal: Principal, id: string): Promise<PasswordRequest> {
  if (principal.role !== 'approver' && principal.role !== 'admin')
    throw new AppError('FORBIDDEN', 'Only approvers and admins decide requests.');
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
  await assertMayDecide(ctx, principal, request);
  return request;
}

function alreadyDecided(): AppError {
  return new AppError('ALREADY_DECIDED', 'This request has already been decided; nothing was changed.');
}

/** The audit timeline of a request the principal may see. */
export async function listVisibleEvents(ctx: AppContext, principal: Principal, id: string) {
  await getVisibleRequest(ctx, principal, id);
  return listAuditEvents(ctx.db, id);
}
