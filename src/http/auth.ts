import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { findWebSession, type WebSession } from '../db/repositories/session.repository.js';
import { findPrincipalByToken, type Principal } from '../db/repositories/token.repository.js';
import type { Role } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';
import { checkCsrf, csrfTokenFor, SESSION_COOKIE } from './web-session.js';

/**
 * Who may call a route, declared with the route (`config: { auth }`) and enforced by one hook
 * before the body is read: 'public' needs nothing; 'optional' reads a token or session when one
 * is sent (and ignores a bad one); an object needs a valid token or session, and one of `roles`
 * when given. A route that declares nothing needs a valid token or session.
 */
export type RouteAuth = 'public' | 'optional' | { roles?: readonly Role[] };

/** The web sign-in behind a principal, when it came from the session cookie. */
interface SignedInSession {
  session: WebSession;
  /** What the web app sends as x-csrf-token. */
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the principal came from the session cookie rather than a bearer token. */
    signedIn?: SignedInSession;
    /** A JSON body's bytes as sent (server.ts), for signature checks. */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** A principal (with the session and its cookie value when it came from one), or why there is none. */
type Identified = { principal: Principal; session?: WebSession; cookie?: string } | { problem: string };

/**
 * Identity comes only from a bearer token or the session cookie (never from the body). A bearer
 * token wins when both are sent; a session's state-changing calls must pass the CSRF check.
 */
export async function authenticateRequest(db: Db, request: FastifyRequest, auth: RouteAuth): Promise<Principal | undefined> {
  if (auth === 'public') return undefined;
  const found = await identify(db, request);
  if ('problem' in found) {
    if (auth === 'optional') return undefined;
    throw new AppError('UNAUTHENTICATED', found.problem);
  }
  const { principal, session, cookie } = found;
  if (cookie) checkCsrf(request, cookie);
  if (auth !== 'optional' && auth.roles && !auth.roles.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `This needs one of the roles: ${auth.roles.join(', ')} (yours: ${principal.role}).`);
  }
  request.principal = principal;
  if (session && cookie) request.signedIn = { session, csrfToken: csrfTokenFor(cookie) };
  return principal;
}

async function identify(db: Db, request: FastifyRequest): Promise<Identified> {
  if (request.headers.authorization !== undefined) {
    const token = bearerToken(request);
    if (!token) return { problem: 'Send "Authorization: Bearer <token>".' };
    const principal = await findPrincipalByToken(db, token);
    return principal ? { principal } : { problem: 'The bearer token is unknown or revoked.' };
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (!cookie) return { problem: 'Send "Authorization: Bearer <token>", or sign in at /auth/login.' };
  const session = cookie.length <= 200 ? await findWebSession(db, cookie) : null;
  if (!session) return { problem: 'Your session has expired or you signed out: sign in again at /auth/login.' };
  // `session:` keeps a session's per-minute limit apart from any token's.
  const principal: Principal = { tokenId: `session:${session.id}`, email: session.email, role: session.role };
  return { principal, session, cookie };
}

/** The principal the auth hook attached; a route that declared auth always has one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+([\x21-\x7e]{1,512})\s*$/i.exec(header) : null;
  return match?.[1];
}
