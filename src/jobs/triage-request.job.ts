import type { AppContext } from '../app-context.js';
import type { OktaConnector } from '../connectors/okta/index.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { insertDecision } from '../db/repositories/decision.repository.js';
import { getRequest, transitionRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import { nowIso } from '../db/ids.js';
import { decide, type Decision } from '../domain/decision-engine.js';
import type { OktaDetails, OktaFacts, UserLookup } from '../domain/okta-facts.js';
import { resolveResetMethod } from '../domain/sign-on-mode.js';
import type { CatalogApp } from '../domain/types.js';
import { AGENT_ACTOR, toolCallLog, type ToolCallLog } from './audited-call.js';
import { enqueueEmail } from './enqueue.js';
import { JOB_KINDS } from './job-kinds.js';
import { PermanentJobError, type JobHandler } from './worker.js';

/** Where escalations go when the catalog names no approver group. */
export const DEFAULT_APPROVER_GROUP = 'it-approvers';

/** Not a policy rule: the pipeline's own escalation when triage cannot finish. */
export const TRIAGE_FAILED_RULE = 'triage_failed';

/**
 * Triage: gathers the facts the decision engine asks for (nothing, the Okta user, then the
 * per-user checks in parallel), applies its decision, and enqueues the emails it implies.
 */
export function triageRequestJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.triage,
    async run(payload) {
      const requestId = String(payload.requestId);
      // The usual case in one round trip: New → Triaging, returning the request.
      const request = (await transitionRequest(ctx.db, requestId, 'New', 'Triaging')) ?? (await getRequest(ctx.db, requestId));
      if (!request) throw new PermanentJobError(`request ${requestId} not found`);
      if (request.status !== 'Triaging') return; // decided already: a retry after a crash that followed the commit
      const catalogApp = await findAppByName(ctx.db, request.app);
      const log = toolCallLog(ctx.db, request.id);
      const okta: OktaFacts = {};
      const input = {
        request: { id: request.id, requester: request.requester, app: request.app, targetUser: request.targetUser, justification: request.justification },
        catalogApp,
        okta,
        policy: ctx.policy,
      };
      // At most three rounds: no facts, the user, the details.
      for (let round = 0; round < 3; round++) {
        const result = decide(input);
        if (result.kind === 'decided') {
          await log.flush(); // every Tool Call is in the log before the decision commits
          return applyDecision(ctx, request, catalogApp, okta, result.decision);
        }
        try {
          if (result.facts === 'user') okta.lookup = await lookupUser(ctx.okta, log, request);
          else okta.details = await fetchDetails(ctx.okta, log, catalogApp, okta.lookup);
        } catch (err) {
          await log.flush().catch(() => undefined); // record the failed call, then retry the job
          throw err;
        }
      }
      throw new Error('the decision engine asked for facts three times without deciding');
    },
    onPermanentFailure: (payload, error) => escalateUndecided(ctx, String(payload.requestId), error),
  };
}

/**
 * Triage failed for good (Okta unreachable for about an hour of retries, or a persistent error):
 * nothing is lost — a human gets the request, with the error, and the requester is told.
 */
async function escalateUndecided(ctx: AppContext, requestId: string, error: Error): Promise<void> {
  const request = await getRequest(ctx.db, requestId);
  if (!request) return;
  const rationale = `The automatic checks could not be completed (${error.message}), so IT will review this request.`;
  const nextOwner = (await findAppByName(ctx.db, request.app))?.approverGroup ?? DEFAULT_APPROVER_GROUP;
  const date = nowIso();
  await ctx.db.transaction().execute(async (trx) => {
    const moved = await transitionRequest(trx, requestId, 'Triaging', 'Escalated', {
      decision: 'Escalated',
      rationale,
      rule_id: TRIAGE_FAILED_RULE,
      priority: 'High',
      next_owner: nextOwner,
      decided_at: date,
    });
    if (!moved) return;
    await insertDecision(trx, requestId, 'engine', {
      request_id: requestId,
      requestApp: request.app,
      requestUser: request.requester,
      date,
      outcome: 'Escalated',
      rationale,
      app: request.app,
      oktaAppId: null,
      oktaUserId: null,
      ruleId: TRIAGE_FAILED_RULE,
    });
    await appendAuditEvent(trx, { requestId, actor: AGENT_ACTOR, eventType: 'Escalation', details: { reason: rationale, nextOwner, priority: 'High' } });
    await enqueueEmail(trx, { requestId, to: request.requester, template: 'escalated' });
  });
  ctx.wakeWorker();
}

function lookupUser(okta: OktaConnector, log: ToolCallLog, request: PasswordRequest): Promise<UserLookup> {
  return log.call('okta.findUser', { login: request.requester }, () => okta.findUser(request.requester), (r) =>
    r.kind === 'found' ? { kind: r.kind, userId: r.user.id, status: r.user.status } : r,
  );
}

/** The critical path's second step: everything that needs the user id, in parallel. */
async function fetchDetails(
  okta: OktaConnector,
  log: ToolCallLog,
  catalogApp: CatalogApp | null,
  lookup: UserLookup | undefined,
): Promise<OktaDetails> {
  if (!catalogApp?.oktaAppId || lookup?.kind !== 'found') throw new Error('details requested before the app and user are known');
  const appId = catalogApp.oktaAppId;
  const userId = lookup.user.id;
  // allSettled: when one call fails, the others still finish (and are logged) before we retry.
  const settled = await Promise.allSettled([
    log.call('okta.getApp', { appId }, () => okta.getApp(appId), (a) => a && { id: a.id, label: a.label, signOnMode: a.signOnMode, status: a.status }),
    log.call('okta.isAssigned', { appId, userId }, () => okta.isAssigned(appId, userId), (assigned) => ({ assigned })),
    log.call('okta.listAdminRoles', { userId }, () => okta.listAdminRoles(userId), (r) => r.map((x) => x.type)),
    log.call('okta.listGroups', { userId }, () => okta.listGroups(userId), (g) => g.map((x) => x.name)),
    log.call('okta.listFactors', { userId }, () => okta.listFactors(userId), (f) => f.map((x) => ({ type: x.factorType, status: x.status }))),
  ]);
  const [app, assigned, roles, groups, factors] = settled;
  return { app: valueOf(app), assigned: valueOf(assigned), roles: valueOf(roles), groups: valueOf(groups), factors: valueOf(factors) };
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

async function applyDecision(
  ctx: AppContext,
  request: PasswordRequest,
  catalogApp: CatalogApp | null,
  okta: OktaFacts,
  decision: Decision,
): Promise<void> {
  // Escalations fired before step 9 still need to know how an approval will reset.
  const signOnMode = okta.details?.app?.signOnMode;
  const resetMethod = decision.resetMethod ?? (catalogApp && signOnMode ? resolveResetMethod(catalogApp.resetMethod, signOnMode) : null);
  const nextOwner = decision.outcome === 'Escalated' ? (catalogApp?.approverGroup ?? DEFAULT_APPROVER_GROUP) : null;
  const date = nowIso();

  await ctx.db.transaction().execute(async (trx) => {
    const moved = await transitionRequest(trx, request.id, 'Triaging', decision.nextStatus, {
      decision: decision.decision,
      rationale: decision.rationale,
      rule_id: decision.ruleId,
      policy_version: decision.policyVersion,
      priority: decision.priority,
      reset_method: resetMethod === 'unknown' ? null : resetMethod,
      okta_user_id: decision.oktaUserId,
      okta_app_id: decision.oktaAppId,
      next_owner: nextOwner,
      decided_at: date,
    });
    if (!moved) return; // another worker decided it first; its commit carries the side effects

    await insertDecision(trx, request.id, 'engine', {
      request_id: request.id,
      requestApp: request.app,
      requestUser: request.requester,
      date,
      outcome: decision.outcome,
      rationale: decision.rationale,
      app: catalogApp?.name ?? request.app,
      oktaAppId: decision.oktaAppId,
      oktaUserId: decision.oktaUserId,
      ruleId: decision.ruleId,
      policyVersion: decision.policyVersion,
      facts: decision.facts,
    });
    const audit = (eventType: 'Decision' | 'Escalation' | 'Rejection', details: Record<string, unknown>) =>
      appendAuditEvent(trx, { requestId: request.id, actor: AGENT_ACTOR, eventType, details });
    await audit('Decision', {
      outcome: decision.outcome,
      ruleId: decision.ruleId,
      rationale: decision.rationale,
      policyVersion: decision.policyVersion,
      priority: decision.priority,
      facts: decision.facts,
      actions: decision.actions,
    });
    if (decision.outcome === 'Escalated') await audit('Escalation', { reason: decision.rationale, nextOwner, priority: decision.priority });
    if (decision.outcome === 'Denied') await audit('Rejection', { reason: decision.rationale, ruleId: decision.ruleId });

    const to = request.requester;
    if (decision.nextStatus === 'Completed') {
      const link = decision.actions.find((a) => a.type === 'send_reset_link');
      await enqueueEmail(trx, { requestId: request.id, to, template: 'reset_link', resetUrl: link && 'url' in link ? link.url : catalogApp?.resetUrl });
    } else if (decision.nextStatus === 'Escalated') {
      await enqueueEmail(trx, { requestId: request.id, to, template: 'escalated' });
    } else if (decision.nextStatus === 'Rejected') {
      await enqueueEmail(trx, { requestId: request.id, to, template: 'denied' });
    } else if (decision.nextStatus === 'PendingExternal') {
      await enqueueEmail(trx, { requestId: request.id, to, template: 'pending_external' });
    }
  });
  ctx.wakeWorker();
}
