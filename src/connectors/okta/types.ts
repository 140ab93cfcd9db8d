/**
 * The Okta connector's configuration, parsed once at start-up. A bad value stops the process
 * with a message that names the field; secrets never appear in those messages. Messages do not
 * repeat the field's name: the caller prefixes it (`okta.orgUrl`, or `OKTA_ORG_URL` in loadConfig).
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';

/**
 * Scopes a service app needs for the calls this connector makes. Okta has no
 * `okta.factors.read`: listing a user's factors is covered by `okta.users.read` in the spec's
 * security requirements (verifying one, unlocking and clearing sessions by `okta.users.manage`),
 * and asking for an unknown scope makes the token request fail. `okta.logs.read`: the System Log
 * read that confirms a user set a new password after a reset.
 */
export const DEFAULT_OKTA_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.apps.read',
  'okta.groups.read',
  'okta.roles.read',
  'okta.logs.read',
] as const;

/** http:// is allowed so the built-in sandbox and tests can run on loopback. */
const orgUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .refine((value) => {
    // zod runs refinements even after the url check failed, so this must not throw.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  }, 'must not contain credentials, a query or a fragment')
  // Trailing slashes are stripped so paths can be appended as `${orgUrl}/api/v1/…`.
  .transform((value) => value.replace(/\/+$/, ''));

const sswsAuth = z.object({
  kind: z.literal('ssws'),
  /** An Okta API token; sent as `Authorization: SSWS <token>`. */
  token: z.string().trim().min(1, 'is required'),
});

const privateKeyJwtAuth = z.object({
  kind: z.literal('private_key_jwt'),
  clientId: z.string().trim().min(1, 'is required'),
  /** PKCS#8 or PKCS#1 PEM of the RSA key registered on the service app (signs RS256). */
  privateKeyPem: z.string().superRefine((pem, ctx) => {
    // Checked here so a broken key stops start-up instead of failing the first reset request.
    try {
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType !== 'rsa') {
        ctx.addIssue({ code: 'custom', message: 'must be an RSA private key (RS256)' });
      }
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a readable PEM private key' });
    }
  }),
  /** The `kid` of the key in the app's JWKS; needed when the app has more than one key. */
  keyId: z.string().trim().min(1).optional(),
  scopes: z
    .array(z.string().trim().min(1))
    .min(1)
    .default([...DEFAULT_OKTA_SCOPES]),
});

export const oktaConfigSchema = z.object({
  orgUrl,
  auth: z.discriminatedUnion('kind', [sswsAuth, privateKeyJwtAuth]),
  /** Per attempt, until the whole response body has been read. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Retries after the first attempt, for 429, 5xx, network errors and timeouts. */
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** How long an app's sign-on mode is trusted before it is read again. */
  appCacheTtlMs: z.number().int().min(0).default(300_000),
  /** How long an approver group and its members are trusted before they are read again. */
  groupCacheTtlMs: z.number().int().min(0).default(60_000),
  /** Overrides `resetdesk/<version>`. */
  userAgent: z.string().trim().min(1).optional(),
});

/** The parsed configuration (defaults applied). */
export type OktaConfig = z.output<typeof oktaConfigSchema>;
export type OktaAuthConfig = OktaConfig['auth'];
export type OktaPrivateKeyJwtConfig = Extract<OktaAuthConfig, { kind: 'private_key_jwt' }>;
