import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/error-codes.js';

/**
 * The web app's cookies and CSRF token. The session cookie is HttpOnly and SameSite=Lax; calls
 * that change anything must also send `x-csrf-token`, which only the web app can know: it is an
 * HMAC of the session cookie (which scripts cannot read), handed out by GET /api/v1/me. A
 * cross-site form or fetch carries the cookie at most, never the header.
 */

export const SESSION_COOKIE = 'resetdesk_session';
/** Names the sign-in attempt between /auth/login and /auth/callback. */
export const SIGN_IN_COOKIE = 'resetdesk_signin';
const CSRF_HEADER = 'x-csrf-token';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** HttpOnly, SameSite=Lax; Secure when resetdesk is reached over https (PUBLIC_URL). */
export function cookieOptions(secure: boolean, path: string, maxAgeSeconds?: number): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
}

/** The CSRF token of a session, derived from its cookie value: nothing more to store or leak. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('resetdesk csrf v1').digest('base64url');
}

/** A state-changing call authenticated by the session cookie must carry its CSRF token (constant-time compare). */
export function checkCsrf(request: FastifyRequest, sessionToken: string): void {
  if (!STATE_CHANGING.has(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError(
      'CSRF_FAILED',
      sent === undefined
        ? `Send the ${CSRF_HEADER} header (from GET /api/v1/me) with this call.`
        : `The ${CSRF_HEADER} header does not match this session.`,
    );
  }
}
