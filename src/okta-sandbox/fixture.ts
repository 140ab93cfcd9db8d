import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { OKTA_USER_STATUSES } from '../domain/okta-facts.js';

/**
 * The Okta sandbox's fixture: the org it pretends to be (users, groups, apps, OAuth clients).
 * Unknown keys are rejected and every cross-reference is checked, so a typo in a demo or test
 * fixture fails at load time with the field path rather than as a confusing 404 later.
 */

/** Okta ids are 20 characters: a 3-character type prefix and 17 letters or digits. */
function oktaId(prefix: string, what: string) {
  return z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9]{17}$`), `must be an Okta ${what} id: "${prefix}" + 17 letters or digits`);
}

const factorId = z.string().regex(/^[a-z]{3}[A-Za-z0-9]{17}$/, 'must be an Okta factor id: 3 lowercase letters + 17 letters or digits');

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** `User.status` in the Management API: the same list resetdesk's domain knows. */
const USER_STATUSES = OKTA_USER_STATUSES;

/** `ApplicationSignOnMode` in the Management API. */
const SIGN_ON_MODES = [
  'AUTO_LOGIN',
  'BASIC_AUTH',
  'BOOKMARK',
  'BROWSER_PLUGIN',
  'OPENID_CONNECT',
  'SAML_1_1',
  'SAML_2_0',
  'SECURE_PASSWORD_STORE',
  'WS_FEDERATION',
] as const;

/** `RoleType` in the Management API. */
const ROLE_TYPES = [
  'ACCESS_CERTIFICATIONS_ADMIN',
  'ACCESS_REQUESTS_ADMIN',
  'API_ACCESS_MANAGEMENT_ADMIN',
  'APP_ADMIN',
  'CUSTOM',
  'GROUP_MEMBERSHIP_ADMIN',
  'HELP_DESK_ADMIN',
  'ORG_ADMIN',
  'READ_ONLY_ADMIN',
  'REPORT_ADMIN',
  'SUPER_ADMIN',
  'USER_ADMIN',
  'WORKFLOWS_ADMIN',
] as const;

/** `UserFactorType` in the Management API. */
const FACTOR_TYPES = [
  'call',
  'email',
  'push',
  'question',
  'signed_nonce',
  'sms',
  'token',
  'token:hardware',
  'token:hotp',
  'token:software:totp',
  'u2f',
  'web',
  'webauthn',
] as const;

/** `UserFactorStatus` in the Management API. */
const FACTOR_STATUSES = ['ACTIVE', 'DISABLED', 'ENROLLED', 'EXPIRED', 'INACTIVE', 'NOT_SETUP', 'PENDING_ACTIVATION'] as const;

/**
 * The spec fixes `name` for these sign-on modes (discriminated app schemas); AUTO_LOGIN and
 * SAML apps carry the OIN or org-generated name, which is free-form.
 */
const FIXED_APP_NAMES: Partial<Record<(typeof SIGN_ON_MODES)[number], readonly string[]>> = {
  BASIC_AUTH: ['template_basic_auth'],
  BOOKMARK: ['bookmark'],
  BROWSER_PLUGIN: ['template_swa', 'template_swa3field'],
  OPENID_CONNECT: ['oidc_client'],
  SECURE_PASSWORD_STORE: ['template_sps'],
  WS_FEDERATION: ['template_wsfed'],
};

const rsaPublicJwk = z
  .strictObject({
    kty: z.literal('RSA'),
    kid: z.string().min(1),
    n: base64url,
    e: base64url,
    alg: z.enum(['RS256', 'RS384', 'RS512']).optional(),
    use: z.literal('sig').optional(),
  })
  .superRefine((jwk, ctx) => {
    // Okta accepts only RSA keys of 2048 bits or more for private_key_jwt.
    let bits = 0;
    try {
      const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
      bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    } catch {
      bits = 0;
    }
    if (bits < 2048) ctx.addIssue({ code: 'custom', message: 'must be a usable RSA public key of at least 2048 bits' });
  });

const oauthClientSchema = z.strictObject({
  clientId: oktaId('0oa', 'client'),
  publicJwk: rsaPublicJwk,
  scopes: z.array(z.string().regex(/^okta\.[A-Za-z]+(\.[A-Za-z]+)*$/, 'must be an Okta scope like okta.users.read')),
});

const groupSchema = z.strictObject({
  id: oktaId('00g', 'group'),
  name: z.string().min(1).max(255),
  description: z.string().max(1024).optional(),
});

const factorSchema = z
  .strictObject({
    id: factorId,
    factorType: z.enum(FACTOR_TYPES),
    provider: z.enum(['OKTA', 'GOOGLE', 'RSA', 'SYMANTEC', 'YUBICO', 'DUO', 'FIDO', 'CUSTOM']),
    status: z.enum(FACTOR_STATUSES),
    /**
     * `token:software:totp` only: the RFC 6238 shared secret (base32) the authenticator app holds.
     * Without one the sandbox derives a stable secret from the factor id (see totp.ts).
     */
    secret: z
      .string()
      .regex(/^[A-Z2-7]{16,}$/, 'must be a base32 TOTP secret: at least 16 characters A-Z and 2-7')
      .optional(),
  })
  .superRefine((factor, ctx) => {
    if (factor.secret !== undefined && factor.factorType !== 'token:software:totp') {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is only for token:software:totp factors' });
    }
  });

const roleSchema = z.strictObject({
  type: z.enum(ROLE_TYPES),
  label: z.string().min(1).optional(),
});

const userSchema = z.strictObject({
  id: oktaId('00u', 'user'),
  status: z.enum(USER_STATUSES),
  login: z.string().min(5).max(100),
  email: z.email().max(100),
  firstName: z.string().min(1).max(50),
  lastName: z.string().min(1).max(50),
  title: z.string().optional(),
  department: z.string().optional(),
  factors: z.array(factorSchema).default([]),
  roles: z.array(roleSchema).default([]),
  groupIds: z.array(z.string()).default([]),
});

const appSchema = z
  .strictObject({
    id: oktaId('0oa', 'app'),
    name: z.string().min(1),
    label: z.string().min(1).max(100),
    signOnMode: z.enum(SIGN_ON_MODES),
    status: z.enum(['ACTIVE', 'INACTIVE']),
    /** Sign-in URL of the app; a plausible one is made up from the label when absent. */
    url: z.url().optional(),
    assignedUserIds: z.array(z.string()).default([]),
  })
  .superRefine((app, ctx) => {
    const names = FIXED_APP_NAMES[app.signOnMode];
    if (names && !names.includes(app.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `must be ${names.map((n) => `"${n}"`).join(' or ')} for signOnMode ${app.signOnMode}`,
      });
    }
  });

const fixtureSchema = z
  .strictObject({
    apiToken: z.string().min(8, 'must be at least 8 characters'),
    rateLimit: z.strictObject({ limit: z.int().positive(), windowSeconds: z.int().positive() }).default({ limit: 600, windowSeconds: 60 }),
    oauthClients: z.array(oauthClientSchema).default([]),
    groups: z.array(groupSchema).default([]),
    users: z.array(userSchema).default([]),
    apps: z.array(appSchema).default([]),
  })
  .superRefine((f, ctx) => {
    const unique = (values: string[], path: (i: number) => (string | number)[], what: string) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: path(i), message: `duplicate ${what} "${v}"` });
        seen.add(v);
      });
    };
    unique(
      f.users.map((u) => u.id),
      (i) => ['users', i, 'id'],
      'user id',
    );
    unique(
      f.users.map((u) => u.login.toLowerCase()),
      (i) => ['users', i, 'login'],
      'login',
    );
    unique(
      f.groups.map((g) => g.id),
      (i) => ['groups', i, 'id'],
      'group id',
    );
    unique(
      f.apps.map((a) => a.id),
      (i) => ['apps', i, 'id'],
      'app id',
    );
    unique(
      f.oauthClients.map((c) => c.clientId),
      (i) => ['oauthClients', i, 'clientId'],
      'client id',
    );
    const factorIds = f.users.flatMap((u, ui) => u.factors.map((fa, fi) => ({ id: fa.id, ui, fi })));
    unique(
      factorIds.map((x) => x.id),
      (i) => ['users', factorIds[i]?.ui ?? 0, 'factors', factorIds[i]?.fi ?? 0, 'id'],
      'factor id',
    );

    const groupIds = new Set(f.groups.map((g) => g.id));
    f.users.forEach((u, ui) => {
      u.groupIds.forEach((g, gi) => {
        if (!groupIds.has(g)) ctx.addIssue({ code: 'custom', path: ['users', ui, 'groupIds', gi], message: `unknown group id "${g}"` });
      });
    });
    const userIds = new Set(f.users.map((u) => u.id));
    f.apps.forEach((a, ai) => {
      a.assignedUserIds.forEach((id, i) => {
        if (!userIds.has(id))
          ctx.addIssue({ code: 'custom', path: ['apps', ai, 'assignedUserIds', i], message: `unknown user id "${id}"` });
      });
    });
  });

/** A validated sandbox fixture (defaults applied). */
export type SandboxFixture = z.output<typeof fixtureSchema>;
/** The fixture as written in JSON (optional parts may be left out). */
export type SandboxFixtureInput = z.input<typeof fixtureSchema>;
export type FixtureUser = SandboxFixture['users'][number];
export type FixtureApp = SandboxFixture['apps'][number];
export type FixtureGroup = SandboxFixture['groups'][number];
export type FixtureFactor = FixtureUser['factors'][number];
export type FixtureOAuthClient = SandboxFixture['oauthClients'][number];

/** `users[2].factors[0].id` from zod's `['users', 2, 'factors', 0, 'id']`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(root)';
}

/** Validates an already-parsed fixture object; throws an Error listing each bad field path. */
export function parseFixture(value: unknown, source = 'fixture'): SandboxFixture {
  const result = fixtureSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    if (keys.length > 0) return `  - ${keys.map((k) => formatPath([...issue.path, k])).join(', ')}: unknown field`;
    return `  - ${formatPath(issue.path)}: ${issue.message}`;
  });
  throw new Error(`Invalid Okta sandbox ${source}:\n${lines.join('\n')}`);
}

/** Parses and validates fixture JSON text; throws an Error naming the bad field path. */
export function loadFixture(jsonText: string, source = 'fixture'): SandboxFixture {
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch (err) {
    throw new Error(`Invalid Okta sandbox ${source}: not valid JSON (${(err as Error).message})`);
  }
  return parseFixture(value, source);
}

/** Reads, parses and validates a fixture file. */
export function loadFixtureFile(path: string): SandboxFixture {
  return loadFixture(readFileSync(path, 'utf8'), `fixture ${path}`);
}
