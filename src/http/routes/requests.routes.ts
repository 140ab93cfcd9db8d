import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { AppError } from '../../errors/error-codes.js';
import {
  approveRequest,
  createRequest,
  denyRequest,
  getVisibleRequestWithHistory,
  listVisibleEvents,
  listVisibleRequests,
} from '../../services/request.service.js';
import { createRequestBody, decisionBody, listRequestsQuery, REQUEST_ID_PATTERN } from '../api-schemas.js';
import { principalOf } from '../auth.js';
import { parseWith } from '../parse.js';
import { toRequestView } from '../request-view.js';

const DECIDERS = { roles: ['approver', 'admin'] } as const;

export function registerRequestRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/api/v1/requests', { config: { auth: {} } }, async (req, reply) => {
    const body = parseWith(createRequestBody, req.body);
    const created = await createRequest(ctx, principalOf(req), body);
    return reply.status(201).send({ request_id: created.id, status: created.status });
  });

  app.get('/api/v1/requests', { config: { auth: {} } }, async (req) => {
    const query = parseWith(listRequestsQuery, req.query, 'query');
    const rows = await listVisibleRequests(ctx, principalOf(req), query);
    return { requests: rows.map((r) => toRequestView(r.request, r.decisions)), limit: query.limit, offset: query.offset };
  });

  app.get('/api/v1/requests/:id', { config: { auth: {} } }, async (req) => {
    const { request, decisions, events } = await getVisibleRequestWithHistory(ctx, principalOf(req), requestId(req));
    return toRequestView(request, decisions, events);
  });

  app.get('/api/v1/requests/:id/events', { config: { auth: {} } }, async (req) => ({
    events: await listVisibleEvents(ctx, principalOf(req), requestId(req)),
  }));

  app.post('/api/v1/requests/:id/approve', { config: { auth: DECIDERS } }, async (req) => {
    const body = parseWith(decisionBody, req.body ?? {});
    const { request, decisions } = await approveRequest(ctx, principalOf(req), requestId(req), body);
    return toRequestView(request, decisions);
  });

  app.post('/api/v1/requests/:id/deny', { config: { auth: DECIDERS } }, async (req) => {
    const body = parseWith(decisionBody, req.body ?? {});
    const { request, decisions } = await denyRequest(ctx, principalOf(req), requestId(req), body);
    return toRequestView(request, decisions);
  });
}

/** The :id of the URL; one resetdesk could not have made names no request (404, not 400). */
function requestId(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) throw new AppError('REQUEST_NOT_FOUND', 'No request with that id.');
  return id;
}
