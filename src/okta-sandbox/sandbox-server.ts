import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { authenticate, requireScope } from './api-auth.js';
import type { CallLog } from './call-log.js';
import { controlApi } from './control-routes.js';
import type { DemoOidcProvider } from './demo-oidc.js';
import type { FaultQueue } from './faults.js';
import type { OAuthServer } from './oauth.js';
import { newErrorId, SandboxOktaError } from './okta-errors.js';
import { type RateLimiter, rateLimitHeaders } from './rate-limiter.js';
import { Router } from './router.js';
import { oktaAppRoutes } from './routes/app-routes.js';
import { oktaFactorRoutes } from './routes/factor-routes.js';
import { oktaGroupRoutes } from './routes/group-routes.js';
import { oktaLogRoutes } from './routes/log-routes.js';
import { oktaUserRoutes } from './routes/user-routes.js';
import type { SandboxState } from './sandbox-state.js';

/**
 * The sandbox's request handler: records the call, applies Okta's rate limits and
 * authentication to `/api/v1`, serves the token endpoint, and answers everything else —
 * including every failure — with Okta's status codes, headers and error bodies.
 */

/** Everything the handler needs; built by startOktaSandbox. */
export interface SandboxHandlerDeps {
  state: SandboxState;
  oauth: OAuthServer;
  limiter: RateLimiter;
  calls: CallLog;
  apiToken: string;
  /** The sandbox's own URL (the token endpoint audience is derived from it). */
  url: () => string;
  latencyMs: number;
  now: () => number;
  faults: FaultQueue;
  logger?: Logger;
  /** Connection and stream errors (code and message only). */
  errorLogger?: Logger;
  /** The demo identity provider, when it runs: it answers everything under /oidc. */
  oidc?: () => DemoOidcProvider | undefined;
}

interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string | string[]>;
}

const MAX_BODY_BYTES = 64 * 1024;
const router = new Router([...oktaUserRoutes, ...oktaFactorRoutes, ...oktaAppRoutes, ...oktaGroupRoutes, ...oktaLogRoutes]);

/** Okta sends these on API responses; clients must not cache identity data. */
const BASE_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-cache, no-store', pragma: 'no-cache', expires: '0' };

function decodePath(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** What may be logged of a connection error: its code and message, never the bytes involved. */
export function loggableError(err: Error & { code?: unknown }): { code?: string; error: string } {
  return { ...(typeof err.code === 'string' ? { code: err.code } : {}), error: err.message };
}

/** The client went away before sending its whole request: there is nobody to answer. */
const clientGone = (req: IncomingMessage): boolean => req.destroyed && !req.complete;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SandboxOktaError('E0000001', 'Api validation failed: request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON request body, or undefined when empty; Okta's 400 E0000003 when it is not JSON. */
function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SandboxOktaError('E0000003');
  }
}

async function tokenEndpoint(req: IncomingMessage, deps: SandboxHandlerDeps, base: string): Promise<Reply> {
  const headers = { 'cache-control': 'no-store', pragma: 'no-cache' };
  if (req.method !== 'POST') throw new SandboxOktaError('E0000022');
  const body = await readBody(req);
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return {
      status: 400,
      headers,
      body: { error: 'invalid_request', error_description: 'The request body must be application/x-www-form-urlencoded.' },
    };
  }
  const audiences = [`${deps.url()}/oauth2/v1/token`, `${base}/oauth2/v1/token`];
  const result = deps.oauth.token(new URLSearchParams(body), audiences);
  if ('status' in result) return { status: result.status, headers, body: result.body };
  return { status: 200, headers, body: result };
}

async function managementApi(
  req: IncomingMessage,
  deps: SandboxHandlerDeps,
  segments: string[],
  query: URLSearchParams,
  base: string,
  headers: Reply['headers'],
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const match = router.match(method, segments);
  const bucket = match.route ? `${method} ${match.route.template}` : `${method} /api/v1/*`;
  const decision = deps.limiter.consume(bucket);
  Object.assign(headers, rateLimitHeaders(decision));
  if (!decision.allowed) throw new SandboxOktaError('E0000047');

  const principal = authenticate(req.headers.authorization, deps.apiToken, deps.oauth, base);
  if (!match.route) {
    if (match.pathExists) throw new SandboxOktaError('E0000022');
    throw new SandboxOktaError('E0000007', `Not found: Resource not found: /${segments.join('/')} (Resource)`);
  }
  requireScope(principal, match.route.scope, base);
  if (deps.faults.take(method, `/${segments.join('/')}`)) throw new SandboxOktaError('E0000009');
  const body = method === 'POST' ? parseJsonBody(await readBody(req)) : undefined;
  const result = match.route.handle({ params: match.params, query, state: deps.state, base, body });
  return { status: result.status ?? 200, body: result.body, headers: { ...headers, ...result.headers } };
}

/** Builds the node:http request listener. */
export function createSandboxHandler(deps: SandboxHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Sign-in is not the Management API: no call log, rate limit or SSWS for it.
    const oidc = deps.oidc?.();
    if (oidc && /^\/oidc(?:[/?]|$)/.test(req.url ?? '')) {
      oidc.handle(req, res);
      return;
    }
    // The control routes stand in for the user's phone and browser: not Okta calls, not logged.
    if (/^\/sandbox(?:[/?]|$)/.test(req.url ?? '')) {
      controlRoute(req, res, deps);
      return;
    }
    const startedAt = Date.now();
    // A client that disconnects mid-body errors the request stream; reading the body turns that into
    // a rejected read (answered below), and this lasting listener keeps any later one handled.
    req.on('error', (err) => deps.errorLogger?.debug(loggableError(err), 'okta sandbox request stream failed'));
    // A request target WHATWG URL rejects (e.g. `//[`) must not throw out of the listener.
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    } catch {
      url = undefined;
    }
    const query = url?.searchParams ?? new URLSearchParams();
    const segments = url ? decodePath(url.pathname) : [];
    const path = url ? `/${segments.join('/')}` : (req.url ?? '/');
    const call = deps.calls.start(req.method ?? 'GET', path, query, new Date(deps.now()));
    const base = req.headers.host ? `http://${req.headers.host}` : deps.url();
    const headers: Reply['headers'] = { 'x-okta-request-id': newErrorId() };

    const answer = async (): Promise<Reply> => {
      try {
        if (!url) throw new SandboxOktaError('E0000001', 'Api validation failed: malformed request URL');
        if (path === '/oauth2/v1/token') {
          const reply = await tokenEndpoint(req, deps, base);
          return { ...reply, headers: { ...headers, ...reply.headers } };
        }
        if (segments[0] === 'api' && segments[1] === 'v1') {
          return await managementApi(req, deps, segments, query, base, headers);
        }
        throw new SandboxOktaError('E0000007', `Not found: Resource not found: ${path} (Resource)`);
      } catch (err) {
        const error = err instanceof SandboxOktaError ? err : new SandboxOktaError('E0000009');
        if (clientGone(req)) deps.errorLogger?.debug({ method: req.method, path }, 'okta sandbox client went away mid-request');
        else if (!(err instanceof SandboxOktaError)) deps.logger?.error({ err }, 'okta sandbox handler failed');
        return { status: error.status, body: error.toBody(), headers: { ...headers, ...error.headers } };
      }
    };

    answer()
      .then(async (reply) => {
        if (deps.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.latencyMs));
        call.status = reply.status;
        if (res.destroyed) return; // the client is gone; writing would only fail
        // 204 and other empty answers carry no body and no content type.
        const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
        const { 'content-type': contentType, ...noType } = BASE_HEADERS;
        const baseHeaders = reply.body === undefined ? noType : { ...noType, 'content-type': contentType };
        // The request body may be unread (GET with a body, early errors); drain it so keep-alive works.
        req.resume();
        res.writeHead(reply.status, { ...baseHeaders, ...reply.headers, 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
        deps.logger?.info({ method: req.method, path, status: reply.status, ms: Date.now() - startedAt }, 'okta sandbox');
      })
      .catch((err: Error) => {
        // Nothing may escape as an unhandled rejection: that would end the process.
        deps.errorLogger?.error({ ...loggableError(err), method: req.method, path }, 'okta sandbox failed to answer');
        res.destroy();
      });
  };
}

/** Answers a `/sandbox/…` control request (see control-routes.ts). */
function controlRoute(req: IncomingMessage, res: ServerResponse, deps: SandboxHandlerDeps): void {
  let reply: { status: number; body: unknown };
  try {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    reply = controlApi(req, decodePath(url.pathname), url.searchParams, deps.state, deps.apiToken);
  } catch {
    reply = { status: 400, body: { error: 'bad_request', message: 'Malformed request URL.' } };
  }
  req.resume();
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...BASE_HEADERS, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
