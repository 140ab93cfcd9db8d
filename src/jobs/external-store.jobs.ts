/**
 * External credential stores (docs/external-executors.md): resetdesk hands the reset to an
 * executor — an RPA bot, a script — and waits for its signed callback (services/external-result
 * .service.ts). Three jobs:
 *  - `external-dispatch` POSTs the signed job to the store's URL, retried with backoff until a
 *    2xx. Its idempotency key is also the `Idempotency-Key` header, so an executor can tell a
 *    retry from a new job. A refusal (a 4xx other than 408/429) fails the request at once.
 *  - `external-timeout`, a durable timer set with the hand-over at the store's `timeout`: a request
 *    still PendingExternal then is Failed.
 *  - `notify-external-failed` emails the app's approver group that the reset failed, whatever the
 *    cause (the executor said so, refused the job, or never answered): a human takes it from there.
 */
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { nowMs } from '../time.js';
import { AGENT_ACTOR, auditedCall } from './audited-call.js';
import { enqueueEmail, requesterOf } from './enqueue.js';
import { notifyGroup } from './escalation.jobs.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

interface ExternalPayload {
  requestId: string;
  /** The external store (STORES_FILE) the decision named. */
  store: string;
}

interface TimeoutPayload extends ExternalPayload {
  /** The store's timeout when the request was handed over, for the reason given. */
  timeoutMs: number;
}

/**
 * The hand-over (apply-decision's `external_dispatch` action), in the decision's transaction: the
 * dispatch job, and the timeout timer counted from now. A store missing from the configuration
 * still gets the dispatch job, which fails for good and so fails the request visibly.
 */
export async function enqueueExternalDispatch(ctx: Pick<AppContext, 'stores'>, trx: Db, payload: ExternalPayload): Promise<void> {
  const fairKey = requesterOf(trx, payload.requestId);
  await enqueueJob(trx, {
    kind: JOB_KINDS.externalDispatch,
    payload: { ...payload },
    idempotencyKey: jobKeys.externalDispatch(payload.requestId),
    // With the worker's backoff (capped at 5 minutes) this outlasts any sensible store timeout,
    // which ends the request first; the job then finds nothing to do.
    maxAttempts: 100,
    fairKey,
  });
  const timeoutMs = ctx.stores.types.get(payload.store) === 'external' ? ctx.stores.external(payload.store).settings.timeout : null;
  if (timeoutMs === null) return;
  const timer: TimeoutPayload = { ...payload, timeoutMs };
  await enqueueJob(trx, {
    kind: JOB_KINDS.externalTimeout,
    payload: { ...timer },
    idempotencyKey: jobKeys.externalTimeout(payload.requestId),
    runAt: new Date(nowMs() + timeoutMs),
    maxAttempts: 12,
    fairKey,
  });
}

/** The `external-dispatch` job: the signed POST of the reset job to the store's executor. */
export function externalDispatchJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.externalDispatch,
    async run(raw) {
      const payload = raw as unknown as ExternalPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      // Cancelled, timed out, or already called back (a fast executor, a retry): nothing to send.
      if (request.status !== 'PendingExternal') return;
      const store = ctx.stores.external(payload.store);
      const base = ctx.baseUrl();
      if (!base) throw new Error('resetdesk does not know its own address yet (PUBLIC_URL)');
      const catalogApp = await findAppByName(ctx.db, request.app);
      const job = {
        request_id: request.id,
        user: { login: request.requester, email: request.requester, oktaUserId: request.oktaUserId },
        app: { name: catalogApp?.name ?? request.app, oktaAppId: request.oktaAppId },
        generatePassword: store.settings.generatesPassword,
        callbackUrl: `${base}/api/v1/requests/${encodeURIComponent(request.id)}/external-result`,
      };
      const key = jobKeys.externalDispatch(request.id);
      await auditedCall(
        ctx.db,
        request.id,
        'external.dispatch',
        { store: payload.store, url: store.client.url, idempotencyKey: key },
        () => store.client.dispatch(job, key),
        (r) => ({ httpStatus: r.status }),
      );
    },
    async onPermanentFailure(raw, error) {
      const payload = raw as unknown as ExternalPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (request?.status !== 'PendingExternal') return;
      await failExternal(ctx, request, `The external system did not take the reset job: ${error.message}`);
    },
  };
}

/** The `external-timeout` timer: fails a request still waiting for its executor's callback. */
export function externalTimeoutJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.externalTimeout,
    async run(raw) {
      const payload = raw as unknown as TimeoutPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (request?.status !== 'PendingExternal' || request.store !== payload.store) return;
      await failExternal(ctx, request, `The external system did not report a result within ${duration(payload.timeoutMs)}.`);
    },
  };
}

/** The `notify-external-failed` job: the approver group hears that an external reset failed. */
export function notifyExternalFailedJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.notifyExternalFailed,
    async run(raw) {
      const payload = raw as unknown as { requestId: string; approverGroup: string };
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      const notice = { group: payload.approverGroup, audience: 'approvers' as const, approverGroup: payload.approverGroup };
      const sent = await notifyGroup(ctx, request, { cycle: 'external-failed' }, payload.approverGroup, 'approver_external_failed', notice);
      if (sent > 0) ctx.wakeWorker();
    },
  };
}

/**
 * PendingExternal → Failed ("Completed With Failure") with `reason`: the requester is told, and
 * the approver group is asked to take over (an Escalation event names them). Once: the
 * conditional transition. Returns false when the request had already left PendingExternal. In the
 * caller's transaction when given one; `callback`: the executor's report that said so.
 */
export async function failExternal(
  ctx: AppContext,
  request: PasswordRequest,
  reason: string,
  within: { trx?: Db; callback?: { at: string; message: string | null } } = {},
): Promise<boolean> {
  // In the caller's transaction when there is one: SQLite's one connection is held by it.
  const approverGroup = (await findAppByName(within.trx ?? ctx.db, request.app))?.approverGroup ?? ctx.policy.escalation.approverGroup;
  const callback = within.callback ? { external_result_at: within.callback.at, external_message: within.callback.message } : {};
  const work = async (trx: Db) => {
    if (!(await transitionRequest(trx, request.id, 'PendingExternal', 'Failed', { rationale: reason, ...callback }))) return false;
    await enqueueEmail(trx, { requestId: request.id, to: request.requester, template: 'reset_failed' });
    await enqueueJob(trx, {
      kind: JOB_KINDS.notifyExternalFailed,
      payload: { requestId: request.id, approverGroup },
      idempotencyKey: jobKeys.notifyExternalFailed(request.id),
      maxAttempts: 12,
      fairKey: requesterOf(trx, request.id),
    });
    await appendAuditEvent(trx, {
      requestId: request.id,
      actor: AGENT_ACTOR,
      eventType: 'Escalation',
      details: { kind: 'external_failed', reason, store: request.store, nextOwner: approverGroup, priority: 'High' },
    });
    return true;
  };
  const failed = within.trx ? await work(within.trx) : await ctx.db.transaction().execute(work);
  if (failed) ctx.wakeWorker();
  return failed;
}

function duration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0 && ms >= size) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return `${ms} ms`;
}
