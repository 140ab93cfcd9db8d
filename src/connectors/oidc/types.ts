import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';

/**
 * OpenID Connect connector configuration. Messages do not repeat the field's name: the caller
 * prefixes it (`oidc.issuer`, or `OIDC_ISSUER` in loadConfig).
 */
export const oidcConfigSchema = z.object({
  /**
   * The provider's issuer identifier, exactly as its discovery document says (no slash added
   * or removed). Plain http only on loopback: the demo provider, tests.
   */
  issuer: z
    .string()
    .trim()
    .refine((v) => isHttpsOrLoopback(v), 'must be an https:// URL (http:// only on a loopback host such as 127.0.0.1)'),
  clientId: z.string().trim().min(1),
  /** Unset = a public client (PKCE only). */
  clientSecret: z.string().min(1).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be scope names separated by spaces or commas'))
    .refine((s) => s.includes('openid'), 'must include openid')
    .default(['openid', 'email', 'profile', 'groups']),
  /** The claim (ID token or userinfo) holding the person's group names. */
  groupsClaim: z.string().trim().min(1).default('groups'),
  /** Per call to the provider (discovery, token, userinfo). */
  timeoutMs: z.number().int().positive().default(10_000),
});
/** The parsed configuration (defaults applied). */
export type OidcConfig = z.output<typeof oidcConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/** What resetdesk keeps between sending someone to the provider and their return. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who signed in, as the provider vouches for them. */
export interface OidcIdentity {
  /** The provider's `sub`. */
  subject: string;
  /** Lower-cased; the person's resetdesk identity. */
  email: string;
  name: string | null;
  /** Group names from the groups claim. */
  groups: string[];
  /** Kept for RP-initiated logout (`id_token_hint`). */
  idToken: string;
  /**
   * Whether the ID token's `amr` (RFC 8176) shows a second factor: `mfa`, or two different
   * methods. False when it shows one method or none: the web channel then asks for verification.
   */
  mfa: boolean;
}

export interface OidcClient {
  readonly issuer: string;
  /** The provider's authorization URL (code flow, PKCE S256) and the checks to keep until the callback. */
  startSignIn(redirectUri: string): Promise<{ url: string; checks: SignInChecks }>;
  /**
   * Exchanges the code on `callbackUrl` (the redirect URI with the provider's query), checking
   * state, nonce, PKCE and the ID token; reads userinfo when the ID token lacks email or groups.
   * Throws SIGN_IN_FAILED, or SIGN_IN_UNAVAILABLE when the provider cannot be reached.
   */
  finishSignIn(callbackUrl: URL, checks: SignInChecks): Promise<OidcIdentity>;
  /** The provider's end-session URL (RP-initiated logout), or null when it has none or cannot be reached. */
  signOutUrl(input: { idToken: string | null; postLogoutRedirectUri: string }): Promise<string | null>;
}
