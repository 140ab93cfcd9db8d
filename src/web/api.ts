/**
 * The web app's only door to resetdesk: a typed client of the HTTP API (openapi-fetch over the
 * generated `paths`), the session endpoints, one error type for people, and a TanStack Query
 * hook per resource. The session cookie rides along (same origin); every POST carries the CSRF
 * token that GET /api/v1/me handed out.
 */
import { MutationCache, QueryCache, QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import createClient, { type Middleware } from 'openapi-fetch';
import { useEffect, useState } from 'react';
import type { components, paths } from '../http/api-types';
import { t } from './i18n/translate';
import { mergeRequestRead } from './requests/request-merge';

export type Request = components['schemas']['Request'];
export type RequestStatus = Request['status'];
export type Priority = Request['priority'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type ConversationMessage = components['schemas']['ConversationMessage'];
export type RequestStats = components['schemas']['RequestStats'];
type NewRequest = components['schemas']['CreateRequest'];
export type CatalogApp = components['schemas']['App'];
type NewApp = components['schemas']['CreateApp'];
type AppChanges = components['schemas']['UpdateApp'];
export type ApiToken = components['schemas']['ApiToken'];
type NewToken = components['schemas']['CreateToken'];
/** Okta, SMTP and the policy source (GET /api/v1/admin/connectors). */
export type ConnectorStatus = components['schemas']['ConnectorStatus'];
/** The active policy with its source, reference text, latest sync and history (GET /api/v1/policy). */
export type PolicyView = components['schemas']['PolicyView'];
/** One problem in a policy's YAML: its line, the dotted path ('' for YAML syntax) and what is wrong. */
export type PolicyIssue = components['schemas']['PolicyIssue'];

/** The question a Waiting request asks its requester. */
export type OpenQuestion = components['schemas']['OpenQuestion'];

/** While a request is Verifying: the push to approve and the code factors on offer, and attempts left. */
export type Verification = components['schemas']['Verification'];
/** One factor the requester may type a code of (`issue`: Okta sends the code on request). */
export type CodeFactor = Verification['codes'][number];

/**
 * The signed-in person (GET /api/v1/me): address, name, role, the CSRF token to send back on
 * every POST, and what the active policy means for them (`policy`).
 */
export type Me = components['schemas']['Me'];

/** Anything that went wrong talking to resetdesk; `message` is written for people. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when resetdesk could not be reached. */
    readonly status: number,
    /** The server's stable error code (docs/api.md), or NETWORK / HTTP_<status>. */
    readonly code: string,
    /** The server's `details`, when it sent some (CSV_INVALID: the bad lines). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

const csrfHeader: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

const api = createClient<paths>({ credentials: 'same-origin' });
api.use(csrfHeader);

function toApiError(status: number, body: unknown): ApiError {
  const error =
    typeof body === 'object' && body !== null
      ? (body as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error
      : undefined;
  if (error && typeof error.message === 'string' && error.message !== '') {
    return new ApiError(error.message, status, typeof error.code === 'string' ? error.code : `HTTP_${status}`, error.details);
  }
  return new ApiError(t(status >= 500 ? 'error.server' : 'error.unexpected', { status }), status, `HTTP_${status}`);
}

const networkError = () => new ApiError(t('error.network'), 0, 'NETWORK');

/** The data of a successful call, or an ApiError. */
async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch {
    throw networkError();
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  throw toApiError(result.response.status, result.error);
}

/** For the session endpoints, which the OpenAPI document does not describe yet. */
async function sessionCall<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.method === 'POST' && csrfToken) headers.set('x-csrf-token', csrfToken);
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw networkError();
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok || body === undefined) throw toApiError(response.status, body);
  return body as T;
}

const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.status === 401;

/** Retries only what may succeed unchanged: no connection, 5xx (429 waits for the user). */
function shouldRetry(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/** The app's query client. A 401 anywhere means the session ended: ask /me again, which shows sign-in. */
export function createQueryClient(): QueryClient {
  const onError = (error: unknown, key?: readonly unknown[]) => {
    if (isUnauthenticated(error) && key?.[0] !== 'me') void client.refetchQueries({ queryKey: ['me'] });
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => onError(error, query.queryKey) }),
    mutationCache: new MutationCache({ onError: (error) => onError(error) }),
    defaultOptions: { queries: { retry: shouldRetry, staleTime: 10_000 }, mutations: { retry: false } },
  });
  return client;
}

/** Who is signed in; fails with status 401 when nobody is. */
export function useMeQuery() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      const me = await sessionCall<Me>('/api/v1/me');
      csrfToken = me.csrfToken;
      return me;
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: (failures, error) => !isUnauthenticated(error) && shouldRetry(failures, error),
  });
}

/** Ends the session, then follows the server to wherever it says (its sign-out page or the IdP's). */
export function useSignOut() {
  return useMutation({
    mutationFn: () => sessionCall<{ redirectTo: string }>('/auth/logout', { method: 'POST' }),
    onSuccess: ({ redirectTo }) => window.location.assign(redirectTo),
  });
}

/** The app catalog. */
export function useApps() {
  return useQuery({
    queryKey: ['apps'],
    queryFn: () => unwrap(api.GET('/api/v1/apps')).then((body) => body.apps),
    staleTime: 5 * 60_000,
  });
}

const PAGE_SIZE = 50;

/** Requests, newest first, a page at a time (requesters: only their own). */
export function useRequestPages(status: RequestStatus | null, enabled = true) {
  return useInfiniteQuery({
    enabled,
    queryKey: ['requests', 'list', status],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/requests', { params: { query: { limit: PAGE_SIZE, offset: pageParam, ...(status ? { status } : {}) } } })),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.requests.length === last.limit ? last.offset + last.limit : undefined),
  });
}

/**
 * The requests that wait for their requester (Waiting with a question, or Verifying), newest first:
 * both statuses, up to the most the API lists at once — there are never many.
 */
export function useRequestsAwaitingRequester(enabled: boolean) {
  return useQuery({
    queryKey: ['requests', 'awaiting-requester'],
    queryFn: async () => {
      const read = (status: 'Waiting' | 'Verifying') =>
        unwrap(api.GET('/api/v1/requests', { params: { query: { status, limit: 200 } } })).then((b) => b.requests);
      const [waiting, verifying] = await Promise.all([read('Waiting'), read('Verifying')]);
      return [...waiting, ...verifying].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    enabled,
  });
}

/** Every escalated request (the most the API lists at once), refreshed while the queue is open. */
export function useEscalatedRequests() {
  return useQuery({
    queryKey: ['requests', 'escalated'],
    queryFn: () => unwrap(api.GET('/api/v1/requests', { params: { query: { status: 'Escalated', limit: 200 } } })).then((b) => b.requests),
    refetchInterval: 30_000,
  });
}

/** One request; `pollMs` re-reads it while it is still moving. */
export function useRequest(id: string, pollMs: (request: Request | undefined) => number | false = () => false) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ['request', id],
    queryFn: async () =>
      mergeRequestRead(
        queryClient.getQueryData<Request>(['request', id]),
        await unwrap(api.GET('/api/v1/requests/{id}', { params: { path: { id } } })),
      ),
    // A request that could not be read at all (a 404, say) is not polled; the page offers a retry.
    refetchInterval: (query) => (query.state.data === undefined && query.state.status === 'error' ? false : pollMs(query.state.data)),
    retry: (failures, error) => !(error instanceof ApiError && error.status === 404) && shouldRetry(failures, error),
  });
}

/** A request's audit log, oldest first. */
export function useRequestEvents(id: string | null, pollMs: number | false = false) {
  return useQuery({
    queryKey: ['request', id, 'events'],
    queryFn: () => unwrap(api.GET('/api/v1/requests/{id}/events', { params: { path: { id: id ?? '' } } })).then((b) => b.events),
    enabled: id !== null,
    refetchInterval: pollMs,
  });
}

/** The chat conversation (Slack, Teams) that filed a request, oldest first; empty for other channels. */
export function useConversation(id: string | null, pollMs: number | false = false) {
  return useQuery({
    queryKey: ['request', id, 'conversation'],
    queryFn: () => unwrap(api.GET('/api/v1/requests/{id}/conversation', { params: { path: { id: id ?? '' } } })).then((b) => b.messages),
    enabled: id !== null,
    refetchInterval: pollMs,
  });
}

/**
 * Files a request for the signed-in person (or, with targetUser, for someone else). The answer's
 * `existing` is true when the same request was already open: it names that one instead.
 */
export function useCreateRequest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewRequest) => unwrap(api.POST('/api/v1/requests', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['requests'] }),
  });
}

/** Reads the lists and one request (with its log) again after it changed. */
function refreshRequest(queryClient: ReturnType<typeof useQueryClient>, id: string, view?: Request) {
  if (view) queryClient.setQueryData<Request>(['request', id], (old) => ({ ...old, ...view }));
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['requests'] }),
    queryClient.invalidateQueries({ queryKey: ['request', id] }),
  ]);
}

/** The requester's answer to a Waiting request's question: the app they meant, or a message. */
export type ReplyInput = { id: string } & ({ app: string } | { message: string });

/** Answers the open question (POST …/reply); the request goes on (triage again, or back to the approvers). */
export function useReply() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: ReplyInput) => unwrap(api.POST('/api/v1/requests/{id}/reply', { params: { path: { id } }, body })),
    onSuccess: (view, { id }) => refreshRequest(queryClient, id, view),
  });
}

/** What the requester sends to prove it is them: a code, a factor to send a code to, or nothing (a new push). */
export type VerifyInput = { id: string; factorId?: string; passCode?: string };

/**
 * POST …/verify: `{factorId}` has Okta send an SMS / email code, `{factorId, passCode}` checks a
 * code, `{}` starts again after a push timed out. A wrong code is a VERIFICATION_FAILED ApiError
 * (`details.attemptsLeft`); the request is read again either way (attempts left, or escalated).
 */
export function useVerify() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: VerifyInput) => unwrap(api.POST('/api/v1/requests/{id}/verify', { params: { path: { id } }, body })),
    onSuccess: (view, { id }) => refreshRequest(queryClient, id, view),
    onError: (_error, { id }) => refreshRequest(queryClient, id),
  });
}

/** Cancels an open request (the requester, or an admin), with an optional reason. */
export function useCancelRequest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      unwrap(
        api.POST('/api/v1/requests/{id}/cancel', { params: { path: { id } }, body: reason.trim() === '' ? {} : { reason: reason.trim() } }),
      ),
    onSuccess: (view, { id }) => refreshRequest(queryClient, id, view),
  });
}

/** An approver sends an escalated request back to the requester with a question (Escalated → Waiting). */
export function useReturnRequest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, question }: { id: string; question: string }) =>
      unwrap(api.POST('/api/v1/requests/{id}/return', { params: { path: { id } }, body: { question: question.trim() } })),
    onSuccess: (view, { id }) => refreshRequest(queryClient, id, view),
  });
}

/** What an approver decides about an escalated request. */
export interface DecisionInput {
  id: string;
  verdict: 'approve' | 'deny';
  comment: string;
}

/**
 * Approves or denies an escalated request, then reads the lists and the request again. A refusal
 * changes nothing there: the form stays put and shows the server's message.
 */
export function useDecide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, verdict, comment }: DecisionInput) => {
      const init = { params: { path: { id } }, body: comment.trim() === '' ? {} : { comment: comment.trim() } };
      return unwrap(verdict === 'approve' ? api.POST('/api/v1/requests/{id}/approve', init) : api.POST('/api/v1/requests/{id}/deny', init));
    },
    onSuccess: (_data, { id }) => refreshRequest(queryClient, id),
  });
}

/** The dashboard's figures over the last `days` days (approvers and admins). */
export function useStats(days: number) {
  return useQuery({
    queryKey: ['stats', days],
    queryFn: () => unwrap(api.GET('/api/v1/stats', { params: { query: { days } } })),
    refetchInterval: 60_000,
  });
}

/**
 * Follows a request live with server-sent events (GET /api/v1/requests/{id}/stream, the session
 * cookie rides along), writing each view into the request's query cache. Returns true while the
 * stream is up; after an error (or where EventSource is missing) it gives up and returns false,
 * so the caller's polling takes over. A Closed request ends it for good.
 */
export function useRequestStream(id: string): boolean {
  const queryClient = useQueryClient();
  const [live, setLive] = useState(typeof EventSource !== 'undefined');
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    setLive(true);
    const source = new EventSource(`/api/v1/requests/${encodeURIComponent(id)}/stream`, { withCredentials: true });
    const stop = () => {
      source.close();
      setLive(false);
    };
    source.addEventListener('request', (event) => {
      const view = JSON.parse((event as MessageEvent<string>).data) as Request;
      // The stream leaves the summary out: keep the one already read.
      queryClient.setQueryData<Request>(['request', id], (old) => ({ ...old, ...view }));
      if (view.status === 'Closed') stop();
    });
    // EventSource would reconnect by itself; polling is the fallback instead.
    source.addEventListener('error', stop);
    return () => source.close();
  }, [id, queryClient]);
  return live;
}

/** Where an admin downloads the catalog as CSV (a plain link: the session cookie rides along). */
export const APPS_EXPORT_URL = '/api/v1/apps/export.csv';

/** Adds an app to the catalog (admins). */
export function useCreateApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewApp) => unwrap(api.POST('/api/v1/apps', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['apps'] }),
  });
}

/** Edits an app: only the fields given change (admins). */
export function useUpdateApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: AppChanges }) =>
      unwrap(api.PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: changes })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['apps'] }),
  });
}

/** Removes an app from the catalog (admins). */
export function useDeleteApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      let response: Response;
      try {
        ({ response } = await api.DELETE('/api/v1/apps/{id}', { params: { path: { id } }, parseAs: 'text' }));
      } catch {
        throw networkError();
      }
      if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['apps'] }),
  });
}

/** The coverage report (admins): every app's reset path under the current policy, gaps first. */
export type CoverageReport = components['schemas']['CoverageReport'];
export type CoverageRow = components['schemas']['CoverageRow'];

/** GET /api/v1/reports/coverage; refreshed with the catalog (its key is under ['apps']). */
export function useCoverageReport() {
  return useQuery({ queryKey: ['apps', 'coverage'], queryFn: () => unwrap(api.GET('/api/v1/reports/coverage')), staleTime: 60_000 });
}

/** Syncs the catalog from Okta; with `dryRun` true it only reports what would change. */
export function useSyncApps() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (dryRun: boolean) => unwrap(api.POST('/api/v1/apps/sync', { params: { query: { dryRun: dryRun ? 'true' : 'false' } } })),
    onSuccess: (result) => {
      if (!result.dryRun) void queryClient.invalidateQueries({ queryKey: ['apps'] });
    },
  });
}

/** Imports a catalog CSV, all or nothing; a CSV_INVALID error's details list the bad lines. */
export function useImportApps() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (csv: string) =>
      unwrap(api.POST('/api/v1/apps/import', { body: csv, bodySerializer: (body) => body, headers: { 'content-type': 'text/csv' } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['apps'] }),
  });
}

/** Every API token (admins). */
export function useTokens() {
  return useQuery({ queryKey: ['tokens'], queryFn: () => unwrap(api.GET('/api/v1/tokens')).then((b) => b.tokens) });
}

/** Creates an API token; the answer holds its text, shown once. */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewToken) => unwrap(api.POST('/api/v1/tokens', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/tokens/{id}/revoke', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
}

/** The active policy, its reference text, latest sync and history (approvers and admins). */
export function usePolicy() {
  return useQuery({ queryKey: ['policy'], queryFn: () => unwrap(api.GET('/api/v1/policy')) });
}

/**
 * Puts an admin's policy in force (PUT /api/v1/policy). A POLICY_INVALID error's details list the
 * problems (`errors`: line, path, message); nothing changed then. The answer is the new view; what
 * /me says about the policy, and the connector status, are read again.
 */
export function useReplacePolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (yaml: string) => unwrap(api.PUT('/api/v1/policy', { body: { yaml } })),
    onSuccess: (view) => {
      queryClient.setQueryData(['policy'], view);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: ['me'] }),
        queryClient.invalidateQueries({ queryKey: ['connectors'] }),
      ]);
    },
  });
}

/**
 * Reads the policy page now (POST /api/v1/policy/sync). Success or failure, the server recorded
 * the sync: the policy view is read again (on success the answer carries it).
 */
export function useSyncPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/policy/sync')),
    onSuccess: (result) => queryClient.setQueryData(['policy'], result.policy),
    onSettled: (_data, error) =>
      Promise.all([
        ...(error ? [queryClient.invalidateQueries({ queryKey: ['policy'] })] : []),
        queryClient.invalidateQueries({ queryKey: ['me'] }),
        queryClient.invalidateQueries({ queryKey: ['connectors'] }),
      ]),
  });
}

/** Whether Okta and SMTP answer now (each call pings both), and the policy source's latest sync. */
export function useConnectorStatus() {
  return useQuery({ queryKey: ['connectors'], queryFn: () => unwrap(api.GET('/api/v1/admin/connectors')), staleTime: 0 });
}

/** The newest entries of the decision log (admins). */
export function useDecisions(limit = 200) {
  return useQuery({
    queryKey: ['decisions', limit],
    queryFn: () => unwrap(api.GET('/api/v1/decisions', { params: { query: { limit, offset: 0 } } })).then((b) => b.decisions),
  });
}

export const DECISIONS_EXPORT_URL = '/api/v1/decisions/export.csv';

/** One message of the built-in dev mailbox (GET /dev/mailbox, a hidden route: not in the generated types). */
export interface DevMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  receivedAt: string;
}

/**
 * The dev mailbox, newest first; null when the server has none (404). Admins see every message;
 * in the demo everyone else sees the mail sent to them; outside it they get a 403 (an ApiError).
 * `live` re-reads it every few seconds, so mail shows up as it arrives.
 */
export function useDevMailbox(enabled = true, live = false) {
  return useQuery({
    queryKey: ['dev-mailbox'],
    enabled,
    retry: false,
    refetchInterval: live ? 3000 : false,
    queryFn: async (): Promise<DevMail[] | null> => {
      let response: Response;
      try {
        response = await fetch('/dev/mailbox', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      } catch {
        throw networkError();
      }
      if (response.status === 404) return null;
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok || body === undefined) throw toApiError(response.status, body);
      const messages = (body as { messages?: DevMail[] }).messages ?? [];
      return [...messages].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    },
  });
}
