/**
 * An external executor's callback (docs/external-executors.md): `POST
 * /api/v1/requests/{id}/external-result`, signed with the request's store's secret. It ends a
 * PendingExternal request: success → Completed ("Completed With Success"), failure → Failed
 * ("Completed With Failure", and the approver group is told). A password in a success is emailed
 * to the requester once, sealed in its email job until sent, and kept nowhere else.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { type ExternalResult, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../connectors/external-executor/index.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { getRequest, type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { AppError } from '../errors/error-codes.js';
import { enqueueEmail } from '../jobs/enqueue.js';
import { failExternal } from '../jobs/external-store.jobs.js';
import { sealSecret } from '../jobs/sealed-secret.js';
import { nowIso, nowMs } from '../time.js';

/** The shape of a request id (db/ids.ts), as the route's params schema checks it. */
const REQUEST_ID = /^[a-z]{2,8}_[a-z0-9]{10,40}$/;

const REASONS = {
  missing: 'the X-Resetdesk-Signature or X-Resetdesk-Timestamp header is missing',
  malformed: 'the X-Resetdesk-Signature or X-Resetdesk-Timestamp header is malformed',
  stale: 'the X-Resetdesk-Timestamp is more than 5 minutes from now',
  mismatch: 'the signature does not match',
} as const;

/**
 * The callback's authentication, before its body is looked at. The request's own store's secrets
 * decide; for an id that names no request on an external store, any external store's secret does,
 * so that only a caller holding a secret learns whether a request exists (404) or is finished (409).
 */
export async function authenticateCallback(ctx: AppContext, request: FastifyRequest): Promise<void> {
  // Before the params are validated: only an id resetdesk could have made is looked up (a NUL
  // byte, say, is no id, and PostgreSQL would refuse it in a query).
  const id = (request.params as { id?: unknown }).id;
  const target = typeof id === 'string' && REQUEST_ID.test(id) ? await getRequest(ctx.db, id) : null;
  const own = target?.store && ctx.stores.types.get(target.store) === 'external' ? [ctx.stores.external(target.store)] : null;
  const stores = own ?? ctx.stores.externals();
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const verdict = verifySignature({
    secrets: stores.flatMap((s) => s.client.secrets),
    timestamp: header(TIMESTAMP_HEADER),
    signature: header(SIGNATURE_HEADER),
    rawBody: request.rawBody ?? Buffer.alloc(0),
    nowSeconds: Math.floor(nowMs() / 1000),
  });
  if (!verdict.ok)
    throw new AppError('SIGNATURE_INVALID', `The callback is not accepted: ${REASONS[verdict.reason]}.`, { reason: verdict.reason });
}

/** Records a signed result; 409 NOT_PENDING_EXTERNAL, changing nothing, when the request no longer waits for one. */
export async function acceptExternalResult(ctx: AppContext, id: string, result: ExternalResult): Promise<PasswordRequest> {
  const request = await getRequest(ctx.db, id);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  const store = request.store;
  if (!store || ctx.stores.types.get(store) !== 'external') {
    throw new AppError('NOT_PENDING_EXTERNAL', 'This request was not handed to an external executor.');
  }
  const finished = () =>
    new AppError(
      'NOT_PENDING_EXTERNAL',
      `This request is ${request.status === 'PendingExternal' ? 'finished' : request.status}; its result was recorded already.`,
      {
        status: request.status,
      },
    );
  if (request.status !== 'PendingExternal') throw finished();
  const message = result.message?.trim() || null;
  const callback = { at: nowIso(), message };
  const event = {
    requestId: id,
    actor: `external:${store}`,
    eventType: 'Message' as const,
    details: {
      channel: 'external',
      kind: 'external_result',
      store,
      status: result.status,
      message,
      passwordDelivered: Boolean(result.password),
    },
  };
  const recorded = await ctx.db
    .transaction()
    .execute(async (trx) => {
      if (result.status === 'failure') {
        const reason = `The external system could not reset the ${request.app} password${message ? `: ${message}` : '.'}`;
        // The report first, then the escalation it causes; a lost race rolls both back.
        await appendAuditEvent(trx, event);
        if (!(await failExternal(ctx, request, reason, { trx, callback }))) throw new LostRace();
        return true;
      }
      const rationale = `The ${request.app} password was reset by the external system (${store}).`;
      const moved = await transitionRequest(trx, id, 'PendingExternal', 'Completed', {
        rationale,
        external_result_at: callback.at,
        external_message: message,
      });
      if (!moved) return false;
      await appendAuditEvent(trx, event);
      const to = request.requester;
      if (result.password) {
        const sealedPassword = sealSecret(ctx.config.jobSecretKey, id, result.password);
        await enqueueEmail(trx, { requestId: id, to, template: 'new_password', sealedPassword, mustChange: false });
      } else {
        await enqueueEmail(trx, { requestId: id, to, template: 'external_completed', comment: message });
      }
      return true;
    })
    .catch((err: unknown) => {
      if (err instanceof LostRace) return false;
      throw err;
    });
  if (!recorded) throw finished();
  ctx.wakeWorker();
  const after = await getRequest(ctx.db, id);
  if (!after) throw new AppError('REQUEST_NOT_FOUND', `No request with id "${id}".`);
  return after;
}

/** Another callback (or the timeout, or a cancellation) ended the request first. */
class LostRace extends Error {}
