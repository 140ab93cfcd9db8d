import { z } from 'zod';
import {
  approveRequest,
  createRequest,
  denyRequest,
  getVisibleRequestWithHistory,
  listVisibleEvents,
  listVisibleRequests,
} from '../../services/request.service.js';
import { createRequestBody, decisionBody, idParams, listRequestsQuery } from '../api-schemas.js';
import { principalOf } from '../auth.js';
import { streamRequest } from '../request-stream.js';
import { toRequestView } from '../request-view.js';
import { createdRequestSchema, eventListSchema, requestListSchema, requestViewSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';

const ANY_ROLE = {} as const;
const DECIDERS = { roles: ['approver', 'admin'] } as const;
const tags = ['Requests'];

/** Approve and deny: the same route but for the URL and the service call that decides. */
function decisionRoute(url: string, summary: string, decide: typeof approveRequest) {
  return defineRoute({
    method: 'POST',
    url,
    auth: DECIDERS,
    summary,
    tags,
    params: idParams,
    body: decisionBody,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND', 'SELF_DECISION', 'APPROVER_UNVERIFIED', 'ALREADY_DECIDED', 'NOT_AWAITING_DECISION'],
    async handler({ params, body, request }, ctx) {
      const decided = await decide(ctx, principalOf(request), params.id, body ?? {});
      return toRequestView(decided.request, decided.decisions);
    },
  });
}

export const requestRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests',
    auth: ANY_ROLE,
    summary: 'File a password-reset request for yourself (intake tokens: for `requester`)',
    description: 'Triage runs in the background; follow the request with GET /api/v1/requests/{id}.',
    tags,
    body: createRequestBody,
    status: 201,
    response: createdRequestSchema,
    errors: ['TOO_MANY_OPEN_REQUESTS'],
    async handler({ body, request }, ctx) {
      const created = await createRequest(ctx, principalOf(request), body);
      return { request_id: created.id, status: created.status };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/requests',
    auth: ANY_ROLE,
    summary: 'List requests, newest first (requesters: their own)',
    tags,
    query: listRequestsQuery,
    response: requestListSchema,
    async handler({ query, request }, ctx) {
      const rows = await listVisibleRequests(ctx, principalOf(request), query);
      return { requests: rows.map((r) => toRequestView(r.request, r.decisions)), limit: query.limit, offset: query.offset };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/requests/:id',
    auth: ANY_ROLE,
    summary: 'One request, with its decision result and summary',
    tags,
    params: idParams,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND'],
    async handler({ params, request }, ctx) {
      const { request: found, decisions, events } = await getVisibleRequestWithHistory(ctx, principalOf(request), params.id);
      return toRequestView(found, decisions, events);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/requests/:id/events',
    auth: ANY_ROLE,
    summary: "A request's audit events, oldest first",
    tags,
    params: idParams,
    response: eventListSchema,
    errors: ['REQUEST_NOT_FOUND'],
    async handler({ params, request }, ctx) {
      return { events: await listVisibleEvents(ctx, principalOf(request), params.id) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/requests/:id/stream',
    auth: ANY_ROLE,
    summary: 'Follow one request live (server-sent events)',
    description:
      'A `text/event-stream`: an `event: request` whose data is the request as GET /api/v1/requests/{id} answers it ' +
      '(without `summary`), at once and whenever its status or updatedAt changes (checked every second); a comment ' +
      'line every 15 s; the stream ends when the request is Closed or after 10 minutes. Poll GET /api/v1/requests/{id} ' +
      'where EventSource is not available.',
    tags,
    params: idParams,
    produces: 'text/event-stream',
    response: z.string().meta({ description: 'Server-sent events; each `data:` is a Request (JSON, without summary)' }),
    errors: ['REQUEST_NOT_FOUND'],
    async handler({ params, request, reply }, ctx) {
      await streamRequest(ctx, principalOf(request), params.id, reply);
      // The reply was hijacked: the events went out on the raw response; nothing is serialized.
      return '';
    },
  }),
  decisionRoute('/api/v1/requests/:id/approve', 'Approve an escalated request (never one for your own account)', approveRequest),
  decisionRoute('/api/v1/requests/:id/deny', 'Deny an escalated request (never one for your own account)', denyRequest),
];
