import type { OAuthServer } from './oauth.js';
import { SandboxOktaError } from './okta-errors.js';

/**
 * Authentication of Management API calls: `Authorization: SSWS <api token>` (full access, as
 * an admin's token) or `Authorization: Bearer <access token>` from the token endpoint, which
 * is limited to the scopes granted — Okta's 401 E0000011 and 403 E0000006 otherwise.
 */

/** Who is calling. */
export type ApiPrincipal = { kind: 'ssws' } | { kind: 'bearer'; clientId: string; scopes: string[] };

/** The `WWW-Authenticate` challenge Okta sends with bearer-token errors. */
function challenge(base: string, error: string, description: string, scope?: string): Record<string, string> {
  const parts = [
    `authorization_uri="${base}/oauth2/v1/authorize"`,
    `realm="${base}"`,
    ...(scope ? [`scope="${scope}"`] : []),
    `error="${error}"`,
    `error_description="${description}"`,
  ];
  return { 'www-authenticate': `Bearer ${parts.join(', ')}` };
}

/** Reads the Authorization header; throws Okta's 401 when it is missing or not valid. */
export function authenticate(header: string | undefined, apiToken: string, oauth: OAuthServer, base: string): ApiPrincipal {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  const scheme = match?.[1];
  const credential = match?.[2] ?? '';
  if (scheme === 'SSWS' && credential === apiToken) return { kind: 'ssws' };
  if (scheme?.toLowerCase() === 'bearer') {
    const grant = oauth.grantFor(credential);
    if (grant) return { kind: 'bearer', clientId: grant.clientId, scopes: grant.scopes };
    throw new SandboxOktaError('E0000011', undefined, {
      headers: challenge(base, 'invalid_token', 'The access token is invalid.'),
    });
  }
  throw new SandboxOktaError('E0000011');
}

/** Throws Okta's 403 when a bearer token lacks the operation's scope. */
export function requireScope(principal: ApiPrincipal, scope: string, base: string): void {
  if (principal.kind === 'ssws' || principal.scopes.includes(scope)) return;
  throw new SandboxOktaError('E0000006', undefined, {
    headers: challenge(base, 'insufficient_scope', 'The access token provided does not contain the required scopes.', scope),
  });
}
