import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { FixtureOAuthClient } from './fixture.js';

/**
 * Okta's org authorization server as a service app sees it: `client_credentials` with a
 * `private_key_jwt` client assertion (RS256/384/512), checked the way Okta checks it — issuer
 * and subject are the client id, the audience is the token endpoint, expiry is near, and a
 * `jti` is accepted once. Access tokens are opaque here; the Management API only looks them up.
 */

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_SECONDS = 3600;
/** Okta refuses assertions that expire more than an hour ahead. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
const HASH_BY_ALG: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };

/** An OAuth 2.0 error answer (RFC 6749 §5.2). */
export interface OAuthError {
  status: 400 | 401;
  body: { error: string; error_description: string };
}

/** A successful token answer. */
export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  scope: string;
}

/** Who an access token was issued to, and for what. */
export interface AccessGrant {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

interface RegisteredClient {
  config: FixtureOAuthClient;
  key: KeyObject;
}

function fail(status: 400 | 401, error: string, description: string): OAuthError {
  return { status, body: { error, error_description: description } };
}

function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Token endpoint state: registered clients, spent `jti`s, issued tokens. */
export class OAuthServer {
  private readonly clients = new Map<string, RegisteredClient>();
  /** jti → its assertion's expiry (ms); kept until then, after which replay fails on `exp`. */
  private readonly usedJtis = new Map<string, number>();
  private readonly tokens = new Map<string, AccessGrant>();

  constructor(
    clients: FixtureOAuthClient[],
    private readonly now: () => number = Date.now,
  ) {
    for (const c of clients) {
      const { kty, n, e } = c.publicJwk;
      this.clients.set(c.clientId, { config: c, key: createPublicKey({ key: { kty, n, e }, format: 'jwk' }) });
    }
  }

  /**
   * Handles a `POST /oauth2/v1/token` form. `audiences` are the token endpoint URLs this
   * request may legitimately name in `aud` (the sandbox URL, and the one the caller used).
   */
  token(form: URLSearchParams, audiences: string[]): TokenResponse | OAuthError {
    const grantType = form.get('grant_type');
    if (!grantType) return fail(400, 'invalid_request', "The 'grant_type' parameter is required.");
    if (grantType !== 'client_credentials') {
      return fail(
        400,
        'unsupported_grant_type',
        `The authorization grant type '${grantType}' is not supported by the authorization server.`,
      );
    }
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE || !form.get('client_assertion')) {
      return fail(401, 'invalid_client', 'Client authentication failed. Send a private_key_jwt client_assertion.');
    }
    const checked = this.checkAssertion(form.get('client_assertion') ?? '', audiences, form.get('client_id'));
    if ('status' in checked) return checked;

    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0)
      return fail(400, 'invalid_scope', 'The authorization server requires a scope for the client_credentials grant.');
    const denied = requested.filter((s) => !checked.config.scopes.includes(s));
    if (denied.length > 0) {
      return fail(400, 'invalid_scope', `The following scopes are not granted to the client: ${denied.join(' ')}`);
    }
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      clientId: checked.config.clientId,
      scopes: requested,
      expiresAt: this.now() + TOKEN_LIFETIME_SECONDS * 1000,
    });
    return { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, access_token: accessToken, scope: requested.join(' ') };
  }

  /** The grant behind a bearer token, or undefined when unknown or expired. */
  grantFor(accessToken: string): AccessGrant | undefined {
    const grant = this.tokens.get(accessToken);
    if (!grant) return undefined;
    if (grant.expiresAt <= this.now()) {
      this.tokens.delete(accessToken);
      return undefined;
    }
    return grant;
  }

  private checkAssertion(jwt: string, audiences: string[], clientIdParam: string | null): RegisteredClient | OAuthError {
    const parts = jwt.split('.');
    const [h, p, s] = parts;
    const header = h ? decodeSegment(h) : null;
    const claims = p ? decodeSegment(p) : null;
    if (parts.length !== 3 || !header || !claims || !s) {
      return fail(401, 'invalid_client', 'The client_assertion token is malformed.');
    }
    const { iss, sub, aud, exp, jti } = claims;
    if (typeof sub !== 'string' || iss !== sub) {
      return fail(401, 'invalid_client', "The client_assertion token's 'iss' and 'sub' claims must both be the client_id.");
    }
    if (clientIdParam && clientIdParam !== sub) {
      return fail(401, 'invalid_client', "The 'client_id' parameter does not match the client_assertion's subject.");
    }
    const client = this.clients.get(sub);
    if (!client) return fail(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    const hash = typeof header.alg === 'string' ? HASH_BY_ALG[header.alg] : undefined;
    if (!hash) return fail(401, 'invalid_client', `The client_assertion signature algorithm '${String(header.alg)}' is not supported.`);
    if (header.kid !== undefined && header.kid !== client.config.publicJwk.kid) {
      return fail(401, 'invalid_client', "The client_assertion token has a 'kid' that is not in the client's JWKS.");
    }
    const signed = verify(hash, Buffer.from(`${h}.${p}`), client.key, Buffer.from(s, 'base64url'));
    if (!signed) return fail(401, 'invalid_client', 'The client_assertion signature is invalid.');

    const audList = Array.isArray(aud) ? aud : [aud];
    if (!audList.some((a) => typeof a === 'string' && audiences.includes(a))) {
      return fail(401, 'invalid_client', 'The audience claim for client_assertion must be the endpoint invoked for the request.');
    }
    const nowSeconds = this.now() / 1000;
    if (typeof exp !== 'number') return fail(401, 'invalid_client', "The client_assertion token must have an 'exp' claim.");
    if (exp <= nowSeconds) return fail(401, 'invalid_client', 'The client_assertion token is expired.');
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS) {
      return fail(401, 'invalid_client', 'The client_assertion token has an expiration too far into the future.');
    }
    if (typeof jti !== 'string' || jti === '') return fail(401, 'invalid_client', "The client_assertion token must have a 'jti' claim.");
    this.forgetSpentJtis();
    const key = `${sub}:${jti}`;
    if (this.usedJtis.has(key)) return fail(401, 'invalid_client', "The client_assertion token's 'jti' claim has already been used.");
    this.usedJtis.set(key, exp * 1000);
    return client;
  }

  private forgetSpentJtis(): void {
    const now = this.now();
    for (const [key, expiresAt] of this.usedJtis) if (expiresAt <= now) this.usedJtis.delete(key);
  }
}
