import { z } from 'zod';
import { externalResultSchema } from '../../connectors/external-executor/index.js';
import { STATUS_LABELS } from '../../domain/lifecycle.js';
import { conversationMessages } from '../../services/conversation.service.js';
import { acceptExternalResult, authenticateCallback } from '../../services/external-result.service.js';
import {
  approveRequest,
  createRequest,
  denyRequest,
  getVisibleRequestWithHistory,
  listVisibleEvents,
  listVisibleRequests,
  returnRequest,
} from '../../services/request.service.js';
import { cancelRequest, recordExternalResult, replyToQuestion } from '../../services/request-lifecycle.service.js';
import { reviewAgentRuns } from '../../services/stats.service.js';
import { submitVerification } from '../../services/verification.service.js';
import {
  cancelBody,
  createRequestBody,
  decisionBody,
  externalResultBody,
  idParams,
  listRequestsQuery,
  replyBody,
  returnBody,
  verifyBody,
} from '../api-schemas.js';
import { principalOf } from '../auth.js';
import { streamRequest } from '../request-stream.js';
import { agentUsageView, toRequestView } from '../request-view.js';
import {
  conversationSchema,
  createdRequestSchema,
  eventListSchema,
  externalResultAckSchema,
  requestListSchema,
  requestViewSchema,
} from '../response-schemas.js';
import { defineRoute } from '../route.js';

const ANY_ROLE = {} as const;
const DECIDERS = { roles: ['approver', 'admin'] } as const;
const tags = ['Requests'];
/** What approving, denying and returning a request may answer beyond the usual errors. */
const DECISION_ERRORS = [
  'REQUEST_NOT_FOUND',
  'SELF_DECISION',
  'APPROVER_UNVERIFIED',
  'NOT_AN_APPROVER',
  'APPROVER_GROUP_MISSING',
  'ALREADY_DECIDED',
  'NOT_AWAITING_DECISION',
] as const;

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
    errors: DECISION_ERRORS,
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
    alsoStatus: { 200: 'An identical request (same requester, app and account) is already open: this is that request, `existing: true`.' },
    response: createdRequestSchema,
    errors: ['TOO_MANY_OPEN_REQUESTS', 'RESET_COOLDOWN'],
    async handler({ body, request, reply }, ctx) {
      // A signed-in browser is the web channel; its sign-in's MFA decides how the person is verified.
      const web = request.signedIn ? { channel: 'web', signInMfa: request.signedIn.session.mfa } : {};
      const filed = await createRequest(ctx, principalOf(request), { ...body, ...web });
      if (filed.existing) void reply.status(200);
      return { request_id: filed.request.id, status: filed.request.status, existing: filed.existing };
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
    summary: 'One request, with its decision result and summary (approvers and admins: the LLM agent’s usage)',
    tags,
    params: idParams,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND'],
    async handler({ params, request }, ctx) {
      const principal = principalOf(request);
      const { request: found, decisions, events } = await getVisibleRequestWithHistory(ctx, principal, params.id);
      return toRequestView(found, decisions, events, agentUsageView(await reviewAgentRuns(ctx, principal, params.id)));
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
    url: '/api/v1/requests/:id/conversation',
    auth: ANY_ROLE,
    summary: "A request's chat conversation (Slack, Teams), oldest first",
    description: 'Empty for a request filed by the API or the web app. At most 500 messages.',
    tags,
    params: idParams,
    response: conversationSchema,
    errors: ['REQUEST_NOT_FOUND'],
    async handler({ params, request }, ctx) {
      const messages = await conversationMessages(ctx, principalOf(request), params.id);
      return { messages: messages.map((m) => ({ id: m.id, direction: m.direction, author: m.author, text: m.text, at: m.createdAt })) };
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
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/return',
    auth: DECIDERS,
    summary: 'Return an escalated request to the requester with a question (Escalated → Waiting)',
    description:
      "The requester's answer (POST …/reply) sends it back to the same approver group, Escalated again. The same rules as approving apply: never your own request, only the request's approver group (or an admin).",
    tags,
    params: idParams,
    body: returnBody,
    response: requestViewSchema,
    errors: DECISION_ERRORS,
    async handler({ params, body, request }, ctx) {
      const returned = await returnRequest(ctx, principalOf(request), params.id, body);
      return toRequestView(returned.request, returned.decisions);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/reply',
    auth: ANY_ROLE,
    summary: "Answer the request's open question (the requester): the app you meant, or a message for the approver",
    description:
      'Only while the request is Waiting. An answer to "Did you mean …?" (`app`) resumes triage; an answer to an approver (`message`) returns the request to that approver group.',
    tags,
    params: idParams,
    body: replyBody,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND', 'NOT_WAITING'],
    async handler({ params, body, request }, ctx) {
      const answered = await replyToQuestion(ctx, principalOf(request), params.id, body);
      return toRequestView(answered);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/resolve-external',
    auth: DECIDERS,
    summary: 'Record how a reset outside resetdesk ended (PendingExternal → Completed or Failed)',
    description:
      'For apps whose password an external system or a person resets: once it is done (`Completed`, "Completed With Success") or has failed (`Failed`, "Completed With Failure"), the requester is emailed and the request closes. Never for your own account.',
    tags,
    params: idParams,
    body: externalResultBody,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND', 'SELF_DECISION', 'APPROVER_UNVERIFIED', 'NOT_PENDING_EXTERNAL'],
    async handler({ params, body, request }, ctx) {
      return toRequestView(await recordExternalResult(ctx, principalOf(request), params.id, body));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/external-result',
    auth: 'public',
    summary: "An external executor's result (signed): PendingExternal → Completed or Failed",
    description:
      'Called by the executor of an external credential store, never by people: the body is signed with the store\'s secret (`X-Resetdesk-Timestamp`, `X-Resetdesk-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, at most 5 minutes off). `success` completes the request ("Completed With Success"; a `password` is emailed to the requester once and kept nowhere); `failure` ends it as "Completed With Failure" and tells the approvers. A second callback, or a replay, is 409 and changes nothing. See docs/external-executors.md.',
    tags,
    params: idParams,
    body: externalResultSchema.meta({ id: 'ExternalExecutorResult' }),
    response: externalResultAckSchema,
    errors: ['REQUEST_NOT_FOUND', 'NOT_PENDING_EXTERNAL'],
    authenticateBody: (request, ctx) => authenticateCallback(ctx, request),
    async handler({ params, body }, ctx) {
      const request = await acceptExternalResult(ctx, params.id, body);
      return { request_id: request.id, status: request.status, statusLabel: STATUS_LABELS[request.status] };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/verify',
    auth: ANY_ROLE,
    summary: 'Prove who you are (the requester): a code from an enrolled factor, or ask Okta to send one',
    description:
      'While the request is Verifying: `{ factorId, passCode }` checks a code of a factor listed in `verification.codes`; `{ factorId }` of an SMS or email factor has Okta send the code. A push needs nothing here: approve it on the phone (pick `verification.push.numberChallenge` when shown). After a push timed out (Waiting), `{}` starts verification again. A wrong code is 400 VERIFICATION_FAILED with `details.attemptsLeft`.',
    tags,
    params: idParams,
    body: verifyBody,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND', 'NOT_VERIFYING', 'VERIFICATION_FAILED'],
    async handler({ params, body, request }, ctx) {
      return toRequestView(await submitVerification(ctx, principalOf(request), params.id, body ?? {}));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/requests/:id/cancel',
    auth: ANY_ROLE,
    summary: 'Cancel an open request (the requester, or an admin)',
    description:
      'The requester is emailed that it was cancelled, and the request closes. A reset an approver already approved cannot be cancelled.',
    tags,
    params: idParams,
    body: cancelBody,
    response: requestViewSchema,
    errors: ['REQUEST_NOT_FOUND', 'NOT_OPEN', 'ALREADY_DECIDED'],
    async handler({ params, body, request }, ctx) {
      const cancelled = await cancelRequest(ctx, principalOf(request), params.id, body ?? {});
      return toRequestView(cancelled);
    },
  }),
];
