import type { NewApp } from '../../src/db/repositories/app.repository.js';
import { parseFixture, type SandboxFixture } from '../../src/okta-sandbox/index.js';

/** A 20-character Okta-style id: 3-character prefix + `n` padded to 17 characters. */
const id = (prefix: string, n: number) => `${prefix}${'T'.repeat(17 - String(n).length)}${n}`;

export const USERS = {
  alice: id('00u', 1), // active, MFA (push + Google Authenticator TOTP), assigned to most apps
  bob: id('00u', 2), // active, MFA (push, plus SMS and email codes), not assigned to Expensify
  carol: id('00u', 3), // SUPER_ADMIN
  dave: id('00u', 4), // member of the privileged "Administrators" group
  erin: id('00u', 5), // SUSPENDED
  frank: id('00u', 6), // no active MFA factor
  grace: id('00u', 7), // LOCKED_OUT (may reset)
  heidi: id('00u', 8), // DEPROVISIONED
  dup1: id('00u', 9), // two users share the email dup@example.com
  dup2: id('00u', 10),
  irene: id('00u', 11), // an approver (resetdesk checks approvers are Okta users)
  root: id('00u', 12), // an admin of resetdesk
  lena: id('00u', 13), // an approver whose Okta login and email differ
};

/**
 * Approver groups (Okta groups by name): the policy's default "IT Approvers" (the same id the
 * sign-in helper uses for that group) and the catalog's `crm-owners` (Salesforce) and
 * `cloud-owners` (AWS Console). irene and lena approve everything; carol is in "IT Approvers".
 */
export const GROUPS = {
  administrators: id('00g', 1),
  everyone: id('00g', 2),
  crmOwners: id('00g', 3),
  cloudOwners: id('00g', 4),
  itApprovers: id('00g', 90),
};

/** lena's two addresses: one person, one Okta user. */
export const LENA = { login: 'lena@example.com', email: 'lena.mail@example.com' };

export const APPS = {
  expensify: id('0oa', 1), // AUTO_LOGIN (SWA)
  salesforce: id('0oa', 2), // SAML_2_0
  aws: id('0oa', 3), // SAML_2_0, sensitive in the catalog
  intranet: id('0oa', 4), // BOOKMARK
  payroll: id('0oa', 5), // BROWSER_PLUGIN, no reset URL in the catalog
  mainframe: id('0oa', 6), // BOOKMARK, external store in the catalog
  ghost: id('0oa', 7), // in the catalog, not in Okta
};

const mfa = (n: number, status = 'ACTIVE') => [
  {
    id: id('opf', n).toLowerCase().replace(/^opf/, 'opf'),
    factorType: 'push' as const,
    provider: 'OKTA' as const,
    status: status as 'ACTIVE',
  },
];
/**
 * Factors beyond each user's push (see FACTORS): alice's TOTP has a known secret, so a test can
 * type the current code (`sandbox.totpCode(USERS.alice)`); bob's SMS and email codes are read with
 * `sandbox.sentCodes()`.
 */
export const FACTORS = {
  alicePush: id('opf', 1).toLowerCase(),
  aliceTotp: id('uft', 1),
  bobPush: id('opf', 2).toLowerCase(),
  bobSms: id('mbl', 2),
  bobEmail: id('emf', 2),
};
/** alice's TOTP secret (base32), as her authenticator app holds it. */
export const ALICE_TOTP_SECRET = 'ALICETESTTOTPSECRET2';

const user = (key: keyof typeof USERS, n: number, extra: Record<string, unknown> = {}) => ({
  id: USERS[key],
  status: 'ACTIVE',
  login: `${key}@example.com`,
  email: `${key}@example.com`,
  firstName: key[0]!.toUpperCase() + key.slice(1),
  lastName: 'Tester',
  factors: mfa(n),
  ...extra,
});

/** The test org: one user per policy branch. */
export function testFixture(overrides: { rateLimit?: { limit: number; windowSeconds: number } } = {}): SandboxFixture {
  const everyone = Object.values(USERS);
  const approverGroups = [GROUPS.itApprovers, GROUPS.crmOwners, GROUPS.cloudOwners];
  return parseFixture({
    apiToken: 'test-ssws-token-0123456789',
    ...(overrides.rateLimit ? { rateLimit: overrides.rateLimit } : {}),
    groups: [
      { id: GROUPS.administrators, name: 'Administrators' },
      { id: GROUPS.everyone, name: 'Everyone' },
      { id: GROUPS.crmOwners, name: 'crm-owners' },
      { id: GROUPS.cloudOwners, name: 'cloud-owners' },
      { id: GROUPS.itApprovers, name: 'IT Approvers' },
    ],
    users: [
      user('alice', 1, {
        groupIds: [GROUPS.everyone],
        factors: [
          ...mfa(1),
          { id: FACTORS.aliceTotp, factorType: 'token:software:totp', provider: 'GOOGLE', status: 'ACTIVE', secret: ALICE_TOTP_SECRET },
        ],
      }),
      user('bob', 2, {
        factors: [
          ...mfa(2),
          { id: FACTORS.bobSms, factorType: 'sms', provider: 'OKTA', status: 'ACTIVE' },
          { id: FACTORS.bobEmail, factorType: 'email', provider: 'OKTA', status: 'ACTIVE' },
        ],
      }),
      user('carol', 3, { roles: [{ type: 'SUPER_ADMIN' }], groupIds: [GROUPS.itApprovers] }),
      user('dave', 4, { groupIds: [GROUPS.administrators] }),
      user('erin', 5, { status: 'SUSPENDED' }),
      user('frank', 6, { factors: mfa(6, 'PENDING_ACTIVATION') }),
      user('grace', 7, { status: 'LOCKED_OUT' }),
      user('heidi', 8, { status: 'DEPROVISIONED' }),
      user('dup1', 9, { email: 'dup@example.com' }),
      user('dup2', 10, { email: 'dup@example.com' }),
      user('irene', 11, { groupIds: approverGroups }),
      user('root', 12),
      user('lena', 13, { login: LENA.login, email: LENA.email, groupIds: approverGroups }),
    ],
    // biome-ignore format: one row per line reads as a table
    apps: [
      { id: APPS.expensify, name: 'expensify', label: 'Expensify', signOnMode: 'AUTO_LOGIN', status: 'ACTIVE', assignedUserIds: everyone.filter((u) => u !== USERS.bob) },
      { id: APPS.salesforce, name: 'salesforce', label: 'Salesforce', signOnMode: 'SAML_2_0', status: 'ACTIVE', assignedUserIds: everyone },
      { id: APPS.aws, name: 'amazon_aws', label: 'AWS Console', signOnMode: 'SAML_2_0', status: 'ACTIVE', assignedUserIds: everyone },
      { id: APPS.intranet, name: 'bookmark', label: 'Intranet', signOnMode: 'BOOKMARK', status: 'ACTIVE', assignedUserIds: everyone },
      { id: APPS.payroll, name: 'template_swa', label: 'Payroll', signOnMode: 'BROWSER_PLUGIN', status: 'ACTIVE', assignedUserIds: everyone },
      { id: APPS.mainframe, name: 'bookmark', label: 'Mainframe', signOnMode: 'BOOKMARK', status: 'ACTIVE', assignedUserIds: everyone },
    ],
  });
}

/** The catalog that goes with testFixture(). */
// biome-ignore format: one row per line reads as a table
export const TEST_CATALOG: NewApp[] = [
  { name: 'Expensify', oktaAppId: APPS.expensify, resetUrl: 'https://expensify.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Salesforce', oktaAppId: APPS.salesforce, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: 'crm-owners' },
  { name: 'AWS Console', oktaAppId: APPS.aws, resetUrl: null, resetMethod: 'auto', sensitive: true, approverGroup: 'cloud-owners' },
  { name: 'Intranet', oktaAppId: APPS.intranet, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Payroll', oktaAppId: APPS.payroll, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Mainframe', oktaAppId: APPS.mainframe, resetUrl: null, resetMethod: 'external', sensitive: false, approverGroup: null },
  { name: 'Ghost', oktaAppId: APPS.ghost, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'NoLink', oktaAppId: null, resetUrl: 'https://nolink.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
];
