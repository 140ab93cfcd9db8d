import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { listDecisions, listDecisionsFor } from '../../db/repositories/decision.repository.js';
import { listRequests } from '../../db/repositories/request.repository.js';
import { approveRequest, createRequest, denyRequest, getVisibleRequest, listVisibleEvents } from '../../services/request.service.js';
import { createRequestBody, decisionBody, listRequestsQuery, requestIdParams } from '../api-schemas.js';
import { authenticate } from '../auth.js';
import { parseWith } from '../parse.js';
import { toRequestView } from '../request-view.js';

export function registerRequestRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/api/v1/requests', async (req, reply) => {
    const principal = await authenticate(ctx.db, req);
    const body = parseWith(createRequestBody, req.body);
    const created = await createRequest(ctx, principal, body);
    return reply.status(201).send({ request_id: created.id, status: created.status });
  });

  app.get('/api/v1/requests', async (req) => {
    const principal = await authenticate(ctx.db, req);
    const query = parseWith(listRequestsQuery, req.query, 'query');
    const seesAll = principal.role === 'admin' || principal.role === 'approver';
    const rows = await listRequests(ctx.db, { ...query, ...(seesAll ? {} : { visibleTo: principal.email }) });
    const decisions = await listDecisionsFor(ctx.db, rows.map((r) => r.id));
    return { requests: rows.map((r) => toRequestView(r, decisions.get(r.id))), limit: query.limit, offset: query.offset };
  });

  app.get('/api/v1/requests/:id', async (req) => {
    const principal = await authenticate(ctx.db, req);
    const { id } = parseWith(requestIdParams, req.params, 'path');
    const request = await getVisibleRequest(ctx, principal, id);
    const [decisions, events] = await Promise.all([listDecisions(ctx.db, id), listVisibleEvents(ctx, principal, id)]);
    return toRequestView(request, decisions, events);
  });

  app.get('/api/v1/requests/:id/events', async (req) => {
    const principal = await authenticate(ctx.db, req);
    const { id } = parseWith(requestIdParams, req.params, 'path');
    return { events: await listVisibleEvents(ctx, principal, id) };
  });

  app.post('/api/v1/requests/:id/approve', async (req) => {
    const principal = await authenticate(ctx.db, req, ['approver', 'admin']);
    const { id } = parseWith(requestIdParams, req.params, 'path');
    const body = parseWith(decisionBody, req.body ?? {});
    return toRequestView(await approveRequest(ctx, principal, id, body), await listDecisions(ctx.db, id));
  });

  app.post('/api/v1/requests/:id/deny', async (req) => {
    const principal = await authenticate(ctx.db, req, ['approver', 'admin']);
    const { id } = parseWith(requestIdParams, req.params, 'path');
    const body = parseWith(decisionBody, req.body ?? {});
    return toRequestView(await denyRequest(ctx, principal, id, body), await listDecisions(ctx.db, id));
  });
}
