import type { AppContext } from '../app-context.js';
import type { OidcClient } from '../connectors/oidc/index.js';
import {
  createSignInAttempt,
  createWebSession,
  deleteExpiredSignIns,
  deleteWebSession,
  takeSignInAttempt,
  type WebSession,
} from '../db/repositories/session.repository.js';
import { roleFromGroups } from '../domain/sign-in-role.js';
import { AppError } from '../errors/error-codes.js';

/** Web sign-in as app.ts wires it: the provider, and where browsers reach resetdesk. */
export interface SignIn {
  oidc: OidcClient;
  /** PUBLIC_URL, else the listening address once known (PORT may be 0 until then). */
  baseUrl(): string | undefined;
}

/** How long someone may take at the provider's login page. */
const ATTEMPT_TTL_MS = 10 * 60_000;

/**
 * Only a path on this site is a place to return to: anything else ("https://evil", "//evil",
 * "/\evil" or "/<tab>/evil", which browsers read as another host) returns to "/". The value is
 * resolved as browsers resolve it, and only its path, query and fragment are kept: no open redirect.
 */
export function safeReturnTo(value: string | undefined): string {
  if (!value || value.length > 2000 || !value.startsWith('/')) return '/';
  const base = 'http://resetdesk.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return '/';
  }
  // Dot segments can leave "//host" behind ("/..//evil"): a path must not start like a host.
  if (url.origin !== base || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

function configured(ctx: AppContext): { signIn: SignIn; redirectUri: string } {
  const base = ctx.signIn?.baseUrl();
  if (!ctx.signIn || !base) throw new AppError('NOT_FOUND', 'Sign-in is not configured here (set OIDC_ISSUER; see docs/configuration.md).');
  return { signIn: ctx.signIn, redirectUri: `${base}/auth/callback` };
}

/** Sends the browser to the provider: the checks stay in the database, named by the returned cookie value. */
export async function startSignIn(ctx: AppContext, returnTo: string | undefined): Promise<{ location: string; attemptToken: string }> {
  const { signIn, redirectUri } = configured(ctx);
  // Anyone may start a sign-in, so abandoned attempts (and expired sessions) go here, not only on success.
  await deleteExpiredSignIns(ctx.db);
  const { url, checks } = await signIn.oidc.startSignIn(redirectUri);
  const attemptToken = await createSignInAttempt(ctx.db, { ...checks, returnTo: safeReturnTo(returnTo) }, ATTEMPT_TTL_MS);
  return { location: url, attemptToken };
}

/**
 * The provider sent the browser back: take the attempt (once), exchange the code, map the
 * person's groups to a role and start a session. `query` is the callback's raw query string.
 */
export async function finishSignIn(
  ctx: AppContext,
  attemptToken: string | undefined,
  query: string,
): Promise<{ sessionToken: string; returnTo: string; maxAgeSeconds: number }> {
  const { signIn, redirectUri } = configured(ctx);
  const attempt = attemptToken ? await takeSignInAttempt(ctx.db, attemptToken) : null;
  if (!attempt) throw new AppError('SIGN_IN_FAILED', 'No sign-in is under way in this browser, or it took over 10 minutes: start again.');
  const callbackUrl = new URL(redirectUri);
  callbackUrl.search = query;
  const identity = await signIn.oidc.finishSignIn(callbackUrl, attempt);
  const role = roleFromGroups(identity.groups, ctx.config.signIn);
  const ttlMs = ctx.config.signIn.sessionTtlHours * 3_600_000;
  const { session, token } = await createWebSession(ctx.db, {
    email: identity.email,
    name: identity.name,
    role,
    idToken: identity.idToken,
    mfa: identity.mfa,
    ttlMs,
  });
  ctx.logger.info({ session: session.id, role, mfa: identity.mfa }, 'signed in');
  return { sessionToken: token, returnTo: attempt.returnTo, maxAgeSeconds: Math.floor(ttlMs / 1000) };
}

/** Ends the session, and says where the browser goes next: the provider's sign-out when it has one, else "/". */
export async function signOut(ctx: AppContext, session: WebSession | undefined): Promise<string> {
  if (!session) return '/';
  await deleteWebSession(ctx.db, session.id);
  const base = ctx.signIn?.baseUrl();
  if (!ctx.signIn || !base) return '/';
  return (await ctx.signIn.oidc.signOutUrl({ idToken: session.idToken, postLogoutRedirectUri: `${base}/` })) ?? '/';
}
