import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { finishSignIn, signOut, startSignIn } from '../../services/sign-in.service.js';
import { principalOf } from '../auth.js';
import { meSchema, signOutSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { cookieOptions, SESSION_COOKIE, SIGN_IN_COOKIE } from '../web-session.js';

const tags = ['Sign-in'];
/** The sign-in cookie lives only as long as the provider's login page may take, and only for the callback. */
const SIGN_IN_COOKIE_PATH = '/auth/callback';
const SIGN_IN_COOKIE_SECONDS = 600;

/** Cookies are Secure when browsers reach resetdesk over https. */
const secure = (ctx: AppContext): boolean => ctx.config.publicUrl?.startsWith('https://') ?? false;

/** Optional text parameters the provider adds to the callback (RFC 6749 §4.1.2, RFC 9207). */
const callbackParam = z.string().max(4096).optional();

/** Web sign-in through the OpenID provider (browser navigations), sign-out, and who is calling. */
export const authRoutes = [
  defineRoute({
    method: 'GET',
    url: '/auth/login',
    auth: 'public',
    summary: 'Sign in: redirects to the identity provider, which sends the browser back to /auth/callback',
    description:
      'A browser navigation, not an API call. `returnTo` must be a path on this site (e.g. `/requests/req_…`); anything else returns to `/`. 404 when no sign-in is configured.',
    tags,
    query: z.object({ returnTo: z.string().max(2000).optional() }),
    status: 302,
    response: z.string(),
    errors: ['NOT_FOUND', 'SIGN_IN_UNAVAILABLE'],
    async handler({ query, reply }, ctx) {
      const { location, attemptToken } = await startSignIn(ctx, query.returnTo);
      void reply.setCookie(SIGN_IN_COOKIE, attemptToken, cookieOptions(secure(ctx), SIGN_IN_COOKIE_PATH, SIGN_IN_COOKIE_SECONDS));
      return location;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/auth/callback',
    auth: 'public',
    summary: 'Where the identity provider sends the browser back: starts the session and redirects to returnTo',
    description: 'Sets the HttpOnly session cookie `resetdesk_session`. Works once per sign-in started by /auth/login in the same browser.',
    tags,
    query: z.looseObject({
      code: callbackParam,
      state: callbackParam,
      iss: callbackParam,
      error: callbackParam,
      error_description: callbackParam,
    }),
    status: 302,
    response: z.string(),
    errors: ['NOT_FOUND', 'SIGN_IN_FAILED', 'SIGN_IN_UNAVAILABLE'],
    async handler({ request, reply }, ctx) {
      const attempt = request.cookies[SIGN_IN_COOKIE];
      // Used or not, the attempt is over: the cookie goes (the row was taken, or never existed).
      void reply.clearCookie(SIGN_IN_COOKIE, cookieOptions(secure(ctx), SIGN_IN_COOKIE_PATH));
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const signedIn = await finishSignIn(ctx, attempt, query);
      void reply.setCookie(SESSION_COOKIE, signedIn.sessionToken, cookieOptions(secure(ctx), '/', signedIn.maxAgeSeconds));
      return signedIn.returnTo;
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/auth/logout',
    auth: 'optional',
    summary: 'Sign out: ends the session, clears its cookie and says where the browser goes next',
    description:
      "Send `x-csrf-token` with the session cookie. `redirectTo` is the identity provider's sign-out page (RP-initiated logout) when it has one, else `/`. Without a session it only clears the cookie.",
    tags,
    response: signOutSchema,
    async handler({ request, reply }, ctx) {
      const redirectTo = await signOut(ctx, request.signedIn?.session);
      void reply.clearCookie(SESSION_COOKIE, cookieOptions(secure(ctx), '/'));
      return { redirectTo };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/me',
    auth: {},
    summary: 'Who is calling: email, name, role and, for a signed-in browser, the CSRF token',
    tags,
    response: meSchema,
    async handler({ request }, ctx) {
      const principal = principalOf(request);
      const signedIn = request.signedIn;
      const policy = ctx.policy;
      return {
        email: principal.email,
        name: signedIn?.session.name ?? null,
        role: principal.role,
        csrfToken: signedIn?.csrfToken ?? null,
        policy: {
          forSomeoneElse: policy.thirdParty === 'escalate',
          approvalSlaHours: policy.escalation.slaHours,
          answerWithinHours: policy.waiting.cancelAfterHours,
          version: policy.version,
        },
      };
    },
  }),
];
