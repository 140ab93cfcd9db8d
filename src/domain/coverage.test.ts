import { describe, expect, it } from 'vitest';
import { coverageOf } from './coverage.js';
import type { OktaAppInfo } from './okta-facts.js';
import { DEFAULT_POLICY, policySchema } from './policy.js';
import type { CatalogApp } from './types.js';

const okta = (signOnMode: string, status = 'ACTIVE'): OktaAppInfo => ({ id: '0oa1', name: 'x', label: 'App', signOnMode, status });
const app = (extra: Partial<CatalogApp> = {}): CatalogApp => ({
  id: 'app_1',
  name: 'App',
  oktaAppId: '0oa1',
  resetUrl: null,
  resetMethod: 'auto',
  sensitive: false,
  approverGroup: null,
  store: null,
  ...extra,
});
const facts = { policy: DEFAULT_POLICY, storeTypes: new Map([['ldap-main', 'ldap' as const]]) };

describe('coverageOf', () => {
  it('follows the policy: an app it lists as sensitive is always escalated', () => {
    const swa = { ...facts, catalogApp: app({ resetUrl: 'https://app.example.com/reset' }), oktaApp: okta('AUTO_LOGIN') };
    expect(coverageOf(swa)).toMatchObject({ path: 'self_service_link', automatic: true, ruleId: 'swa_self_service' });
    const policy = policySchema.parse({ version: 't', sensitiveApps: ['app'] });
    expect(coverageOf({ ...swa, policy })).toMatchObject({ path: 'always_escalated', ruleId: 'sensitive_app', automatic: false });
  });

  it('a typical user passes the MFA rule whatever factor types the policy accepts', () => {
    const policy = policySchema.parse({ version: 't', mfa: { factorTypes: ['token:software:totp'] } });
    const swa = { ...facts, policy, catalogApp: app({ resetUrl: 'https://app.example.com/reset' }), oktaApp: okta('AUTO_LOGIN') };
    expect(coverageOf(swa).path).toBe('self_service_link');
  });

  it('stores: a directory resets by itself, an external method without a store waits for a person, an unknown store is a gap', () => {
    expect(coverageOf({ ...facts, catalogApp: app({ store: 'ldap-main' }), oktaApp: okta('BOOKMARK') })).toMatchObject({
      path: 'directory_store',
      store: 'ldap-main',
      automatic: true,
    });
    expect(coverageOf({ ...facts, catalogApp: app({ resetMethod: 'external' }), oktaApp: okta('BOOKMARK') })).toMatchObject({
      path: 'external_store',
      store: null,
      automatic: false,
    });
    expect(coverageOf({ ...facts, catalogApp: app({ store: 'gone' }), oktaApp: okta('BOOKMARK') })).toMatchObject({
      path: 'no_path',
      reason: 'store_not_configured',
    });
  });

  it('Okta status: deactivated and deleted apps have no path; an Okta-only app is not in the catalog', () => {
    expect(
      coverageOf({ ...facts, catalogApp: app({ resetUrl: 'https://x.example.com' }), oktaApp: okta('AUTO_LOGIN', 'INACTIVE') }).reason,
    ).toBe('okta_inactive');
    expect(coverageOf({ ...facts, catalogApp: app(), oktaApp: null }).reason).toBe('okta_deleted');
    expect(coverageOf({ ...facts, catalogApp: app({ oktaAppId: null }), oktaApp: null }).reason).toBe('not_linked_to_okta');
    expect(coverageOf({ ...facts, catalogApp: null, oktaApp: okta('SAML_2_0') })).toMatchObject({
      reason: 'not_in_catalog',
      action: 'add it to the catalog (resetdesk apps sync)',
    });
    expect(coverageOf({ ...facts, catalogApp: null, oktaApp: okta('SAML_2_0', 'INACTIVE') }).reason).toBe('okta_inactive');
  });

  it('a policy that denies every ACTIVE user is a gap', () => {
    const policy = policySchema.parse({ version: 't', denyStatuses: ['ACTIVE'] });
    expect(
      coverageOf({ ...facts, policy, catalogApp: app({ resetUrl: 'https://x.example.com' }), oktaApp: okta('AUTO_LOGIN') }),
    ).toMatchObject({
      path: 'no_path',
      reason: 'policy_denies',
      ruleId: 'user_status',
    });
  });
});
