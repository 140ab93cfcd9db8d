import * as client from 'openid-client';
import { AppError } from '../../errors/error-codes.js';
import type { OidcClient, OidcConfig, OidcIdentity, SignInChecks } from './types.js';

/**
 * Sign-in with the authorization code flow and PKCE (openid-client), from validated settings
 * (callers use `oidcConnector.create`, index.ts). The provider's metadata is discovered on first
 * use and kept; a failed discovery is retried by the next sign-in, so resetdesk starts even
 * while the provider is down.
 */
export function buildOidcClient(config: OidcConfig): OidcClient {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= discover(config).catch((err: unknown) => {
      discovered = undefined;
      throw new AppError('SIGN_IN_UNAVAILABLE', `OpenID discovery at ${config.issuer} failed: ${describe(err)}`);
    });
    return discovered;
  };

  return {
    issuer: config.issuer,
    async startSignIn(redirectUri) {
      const provider = await configuration();
      const checks: SignInChecks = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(provider, {
        redirect_uri: redirectUri,
        scope: config.scopes.join(' '),
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { url: url.href, checks };
    },
    async finishSignIn(callbackUrl, checks) {
      const provider = await configuration();
      try {
        const tokens = await client.authorizationCodeGrant(provider, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims();
        if (!idClaims || !tokens.id_token) throw new AppError('SIGN_IN_FAILED', 'The identity provider sent no ID token.');
        let claims: Record<string, unknown> = { ...idClaims };
        // Providers often keep scope claims out of the ID token when they also issue an access token.
        if ((claims.email === undefined || claims[config.groupsClaim] === undefined) && provider.serverMetadata().userinfo_endpoint) {
          claims = { ...(await client.fetchUserInfo(provider, tokens.access_token, idClaims.sub)), ...claims };
        }
        return { ...identityFrom(claims, idClaims.sub, tokens.id_token, config.groupsClaim), mfa: showsMfa(idClaims.amr) };
      } catch (err) {
        throw toAppError(err);
      }
    },
    async signOutUrl({ idToken, postLogoutRedirectUri }) {
      const provider = await configuration().catch(() => undefined);
      if (!provider?.serverMetadata().end_session_endpoint) return null;
      const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri, client_id: config.clientId };
      if (idToken) params.id_token_hint = idToken;
      return client.buildEndSessionUrl(provider, params).href;
    },
  };
}

async function discover(config: OidcConfig): Promise<client.Configuration> {
  const auth = config.clientSecret ? client.ClientSecretBasic(config.clientSecret) : client.None();
  const metadata = config.clientSecret ? { client_secret: config.clientSecret } : {};
  const issuer = new URL(config.issuer);
  return client.discovery(issuer, config.clientId, metadata, auth, {
    [client.customFetch]: (url, options) => fetch(url, { ...options, signal: AbortSignal.timeout(config.timeoutMs) }),
    // The config schema allows http:// only for a loopback issuer (the demo provider, tests).
    ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
  });
}

/** RFC 8176 `amr`: `mfa`, or at least two different authentication methods. Only the ID token's counts. */
function showsMfa(amr: unknown): boolean {
  if (!Array.isArray(amr)) return false;
  const methods = new Set(amr.filter((m): m is string => typeof m === 'string').map((m) => m.toLowerCase()));
  return methods.has('mfa') || methods.size >= 2;
}

function identityFrom(claims: Record<string, unknown>, subject: string, idToken: string, groupsClaim: string): Omit<OidcIdentity, 'mfa'> {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email) throw new AppError('SIGN_IN_FAILED', 'The identity provider sent no email address (is the email scope granted?).');
  // An address the provider has not verified could name someone else.
  if (claims.email_verified === false) throw new AppError('SIGN_IN_FAILED', 'The identity provider has not verified this email address.');
  const given = [claims.given_name, claims.family_name].filter((p): p is string => typeof p === 'string' && p !== '');
  const name = typeof claims.name === 'string' && claims.name !== '' ? claims.name : given.length ? given.join(' ') : null;
  const raw = claims[groupsClaim];
  const groups = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter((g): g is string => typeof g === 'string');
  return { subject, email, name, groups, idToken };
}

/** Unreachable (network, timeout) is worth retrying; anything the provider or the checks refused is not. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof client.AuthorizationResponseError) {
    return new AppError(
      'SIGN_IN_FAILED',
      `The identity provider refused the sign-in: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`,
    );
  }
  if (err instanceof TypeError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
    return new AppError('SIGN_IN_UNAVAILABLE', `The identity provider could not be reached: ${describe(err)}`);
  }
  return new AppError('SIGN_IN_FAILED', `The sign-in could not be completed: ${describe(err)}`);
}

function describe(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } };
  const cause = typeof e.cause?.message === 'string' ? ` (${e.cause.message})` : '';
  return `${String(e.message ?? err)}${cause}`.slice(0, 300);
}
