/**
 * How resetdesk proves itself to Okta: an SSWS API token, or an OAuth 2.0 service app with a
 * private_key_jwt client assertion (RS256, node:crypto). Access tokens are cached until shortly
 * before they expire, and concurrent callers share one token request.
 */
import { createPrivateKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { AppError } from '../../errors/error-codes.js';
import type { OktaCredentials, OktaResponse } from './okta-http.js';
import type { OktaAuthConfig, OktaPrivateKeyJwtConfig } from './types.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Okta accepts assertions valid for at most one hour; five minutes is plenty for one exchange. */
const ASSERTION_LIFETIME_S = 300;
/** Renew this long before `expires_in` so a token never expires mid-request. */
const EXPIRY_MARGIN_MS = 60_000;

export interface OktaAuthDeps {
  orgUrl: string;
  now: () => number;
  /** Sends the form to `<orgUrl>/oauth2/v1/token` through the HTTP core (retries, rate limits). */
  requestToken: (form: URLSearchParams) => Promise<OktaResponse>;
}

export function createOktaCredentials(auth: OktaAuthConfig, deps: OktaAuthDeps): OktaCredentials {
  if (auth.kind === 'ssws') return sswsCredentials(auth.token);
  return privateKeyJwtCredentials(auth, deps);
}

function sswsCredentials(token: string): OktaCredentials {
  const header = `SSWS ${token}`;
  return {
    authorization: () => Promise.resolve(header),
    rejected: () => false, // the same token would be rejected again
    secrets: () => [token],
  };
}

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** Builds the signed client assertion (RFC 7523) Okta expects for private_key_jwt. */
function buildClientAssertion(input: {
  clientId: string;
  audience: string;
  key: KeyObject;
  keyId?: string | undefined;
  nowMs: number;
}): string {
  const iat = Math.floor(input.nowMs / 1000);
  const header = input.keyId ? { alg: 'RS256', typ: 'JWT', kid: input.keyId } : { alg: 'RS256', typ: 'JWT' };
  const claims = {
    iss: input.clientId,
    sub: input.clientId,
    aud: input.audience,
    iat,
    exp: iat + ASSERTION_LIFETIME_S,
    jti: randomUUID(), // Okta rejects a replayed jti
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), input.key); // RSASSA-PKCS1-v1_5 = RS256
  return `${signingInput}.${base64url(signature)}`;
}

interface CachedToken {
  accessToken: string;
  /** When we stop using it (expiry minus margin), on deps.now's clock. */
  renewAtMs: number;
}

function privateKeyJwtCredentials(auth: OktaPrivateKeyJwtConfig, deps: OktaAuthDeps): OktaCredentials {
  const audience = `${deps.orgUrl}/oauth2/v1/token`;
  let key: KeyObject;
  try {
    key = createPrivateKey(auth.privateKeyPem);
  } catch {
    throw new AppError('OKTA_AUTH_FAILED', 'The Okta private key cannot be read');
  }
  let cached: CachedToken | undefined;
  let pending: Promise<string> | undefined;
  // Recent credentials we produced, so a late error message can still be scrubbed.
  const issued: string[] = [];
  const remember = (secret: string): void => {
    issued.push(secret);
    if (issued.length > 8) issued.shift();
  };

  async function fetchToken(): Promise<string> {
    const assertion = buildClientAssertion({
      clientId: auth.clientId,
      audience,
      key,
      keyId: auth.keyId,
      nowMs: deps.now(),
    });
    remember(assertion);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: auth.scopes.join(' '),
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    });
    const res = await deps.requestToken(form);
    const body = res.body as { access_token?: unknown; expires_in?: unknown; token_type?: unknown } | undefined;
    const accessToken = typeof body?.access_token === 'string' ? body.access_token : undefined;
    if (!accessToken) throw new AppError('OKTA_AUTH_FAILED', 'Okta token response has no access_token');
    if (typeof body?.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
      // A DPoP-bound token would need proof headers on every call; resetdesk does not send them.
      throw new AppError('OKTA_AUTH_FAILED', `Okta issued a ${body.token_type} token; disable DPoP on the service app`);
    }
    remember(accessToken);
    const expiresInMs = (typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    // Short-lived tokens keep at least half their life rather than being renewed at once.
    const margin = Math.min(EXPIRY_MARGIN_MS, expiresInMs / 2);
    cached = { accessToken, renewAtMs: deps.now() + expiresInMs - margin };
    return accessToken;
  }

  async function accessToken(): Promise<string> {
    if (cached && deps.now() < cached.renewAtMs) return cached.accessToken;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return {
    authorization: async () => `Bearer ${await accessToken()}`,
    rejected: (authorization) => {
      // Drop the token only if it is still the one that failed; a newer one may already be cached.
      if (cached && authorization === `Bearer ${cached.accessToken}`) cached = undefined;
      return true;
    },
    secrets: () => [auth.privateKeyPem, ...issued],
  };
}
