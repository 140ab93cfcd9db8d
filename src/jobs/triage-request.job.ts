import type { AppContext } from '../app-context.js';
import type { OktaConnector } from '../connectors/okta/index.js';
import { findAppByName, listApps } from '../db/repositories/app.repository.js';
import { getRequest, type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { nearCatalogApps } from '../domain/app-match.js';
import { type PolicyDecision, TRIAGE_FAILED_RULE } from '../domain/decision.js';
import { decide } from '../domain/decision-engine.js';
import type { OktaDetails, OktaFacts, UserLookup } from '../domain/okta-facts.js';
import type { CatalogApp } from '../domain/types.js';
import { applyDecision } from '../services/apply-decision.js';
import { askWhichApp } from '../services/request-lifecycle.service.js';
import { startVerification, verificationNeeded } from '../services/verification.service.js';
import { type ToolCallLog, toolCallLog } from './audited-call.js';
import { JOB_KINDS } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

/**
 * Triage: gathers the facts the decision engine asks for (nothing, the Okta user, then the
 * per-user checks in parallel) and applies its decision (services/apply-decision.ts).
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
      const appCandidates = catalogApp === null ? await candidatesFor(ctx, request) : [];
      const log = toolCallLog(ctx.db, request.id);
      const okta: OktaFacts = {};
      const input = {
        request: {
          id: request.id,
          requester: request.requester,
          app: request.app,
          targetUser: request.targetUser,
          justification: request.justification,
        },
        catalogApp,
        appCandidates,
        okta,
        policy: ctx.policy,
        storeTypes: ctx.stores.types,
      };
      // At most three rounds: no facts, the user, the details.
      for (let round = 0; round < 3; round++) {
        const result = decide(input);
        if (result.kind === 'decided') {
          // The decision would act (a link, an unlock, approvers asked): first the requester
          // proves they hold an enrolled factor, then triage runs again and applies it.
          const level = verificationNeeded(ctx, request, result.decision);
          if (level) {
            await log.flush(); // every Tool Call is in the log before the request moves on
            const userId = okta.lookup?.kind === 'found' ? okta.lookup.user.id : null;
            await startVerification(ctx, request, level, { userId, factors: okta.details?.factors });
            return;
          }
          // Every Tool Call goes into the log in the decision's own transaction, before its events.
          // false: another worker decided it first, and its commit carries the side effects.
          const applied = await applyDecision(ctx, request, result.decision, { beforeAudit: (trx) => log.flush(trx) });
          if (!applied) await log.flush(); // this attempt's calls are still worth a record
          return;
        }
        if (result.kind === 'ask') {
          // false: someone (a cancellation) moved it first; nothing to do.
          await askWhichApp(ctx, request, result.ask);
          return;
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

/** After this many "Did you mean …?" rounds an unknown app is denied: the requester is not asked forever. */
const MAX_APP_QUESTIONS = 3;

/** Catalog names near the typed app, unless the requester has been asked enough times already. */
async function candidatesFor(ctx: AppContext, request: PasswordRequest): Promise<string[]> {
  if (request.questionRounds >= MAX_APP_QUESTIONS) return [];
  // Aliases count as names here: a typo of "o365" offers the app it names.
  return nearCatalogApps(request.app, await listApps(ctx.db));
}

/**
 * Triage failed for good (Okta unreachable for about an hour of retries, or a persistent error):
 * nothing is lost — a human gets the request, with the error, and the requester is told.
 */
async function escalateUndecided(ctx: AppContext, requestId: string, error: Error): Promise<void> {
  const request = await getRequest(ctx.db, requestId);
  if (!request) return;
  const approverGroup = (await findAppByName(ctx.db, request.app))?.approverGroup ?? ctx.policy.escalation.approverGroup;
  await applyDecision(ctx, request, triageFailed(request, approverGroup, error));
}

/** The pipeline's decision when no rule could decide: a human reviews it, with the error. */
function triageFailed(request: PasswordRequest, approverGroup: string, error: Error): PolicyDecision {
  return {
    source: 'engine',
    outcome: 'Escalated',
    ruleId: TRIAGE_FAILED_RULE,
    rationale: `The automatic checks could not be completed (${error.message}), so IT will review this request.`,
    priority: 'High',
    nextStatus: 'Escalated',
    resetMethod: null,
    actions: [
      { type: 'request_approval', approverGroup },
      { type: 'notify_requester', notice: 'escalated' },
    ],
    policyVersion: null,
    facts: { error: error.message },
    app: request.app,
    oktaUserId: null,
    oktaAppId: null,
  };
}

function lookupUser(okta: OktaConnector, log: ToolCallLog, request: PasswordRequest): Promise<UserLookup> {
  return log.call(
    'okta.findUser',
    { login: request.requester },
    () => okta.findUser(request.requester),
    (r) => (r.kind === 'found' ? { kind: r.kind, userId: r.user.id, status: r.user.status } : r),
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
    log.call(
      'okta.getApp',
      { appId },
      () => okta.getApp(appId),
      (a) => a && { id: a.id, label: a.label, signOnMode: a.signOnMode, status: a.status },
    ),
    log.call(
      'okta.isAssigned',
      { appId, userId },
      () => okta.isAssigned(appId, userId),
      (assigned) => ({ assigned }),
    ),
    log.call(
      'okta.listAdminRoles',
      { userId },
      () => okta.listAdminRoles(userId),
      (r) => r.map((x) => x.type),
    ),
    log.call(
      'okta.listGroups',
      { userId },
      () => okta.listGroups(userId),
      (g) => g.map((x) => x.name),
    ),
    log.call(
      'okta.listFactors',
      { userId },
      () => okta.listFactors(userId),
      (f) => f.map((x) => ({ type: x.factorType, status: x.status })),
    ),
  ]);
  const [app, assigned, roles, groups, factors] = settled;
  return {
    app: settledValue(app),
    assigned: settledValue(assigned),
    roles: settledValue(roles),
    groups: settledValue(groups),
    factors: settledValue(factors),
  };
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
