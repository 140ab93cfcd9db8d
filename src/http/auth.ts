import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { findPrincipalByToken, type Principal } from '../db/repositories/token.repository.js';
import type { Role } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

/**
 * Who may call a route, declared with the route (`config: { auth }`) and enforced by one hook
 * before the body is read: 'public' needs nothing; 'optional' reads a token when one is sent
 * (and ignores a bad one); an object needs a valid token, and one of `roles` when given.
 * A route that declares nothing needs a valid token.
 */
export type RouteAuth = 'public' | 'optional' | { roles?: readonly Role[] };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** Identity comes only from the bearer token (never from the body). */
export async function authenticateRequest(db: Db, request: FastifyRequest, auth: RouteAuth): Promise<Principal | undefined> {
  if (auth === 'public') return undefined;
  const token = bearerToken(request);
  if (auth === 'optional') {
    const principal = token ? await findPrincipalByToken(db, token) : null;
    if (principal) request.principal = principal;
    return principal ?? undefined;
  }
  if (!token) throw new AppError('UNAUTHENTICATED', 'Send "Authorization: Bearer <token>".');
  const principal = await findPrincipalByToken(db, token);
  if (!principal) throw new AppError('UNAUTHENTICATED', 'The bearer token is unknown or revoked.');
  if (auth.roles && !auth.roles.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `This needs one of the roles: ${auth.roles.join(', ')} (yours: ${principal.role}).`);
  }
  request.principal = principal;
  return principal;
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
