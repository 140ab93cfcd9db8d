import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { findPrincipalByToken, type Principal } from '../db/repositories/token.repository.js';
import type { Role } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Identity comes only from the bearer token (never from the body). Returns the principal or
 * throws UNAUTHENTICATED / FORBIDDEN.
 */
export async function authenticate(db: Db, request: FastifyRequest, roles?: readonly Role[]): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Send "Authorization: Bearer <token>".');
  const principal = await findPrincipalByToken(db, match[1]);
  if (!principal) throw new AppError('UNAUTHENTICATED', 'The bearer token is unknown or revoked.');
  if (roles && !roles.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `This needs one of the roles: ${roles.join(', ')} (yours: ${principal.role}).`);
  }
  request.principal = principal;
  return principal;
}
