import { describe, expect, it } from 'vitest';
import { appNameKey, DEFAULT_POLICY, DEFAULT_POLICY_VERSION, policySchema } from './policy.js';

describe('policySchema', () => {
  it('fills every default from a version alone (the default policy)', () => {
    expect(policySchema.parse({ version: 'v1' })).toEqual({
      version: 'v1',
      thirdParty: 'deny',
      denyStatuses: ['DEPROVISIONED', 'SUSPENDED', 'STAGED', 'PROVISIONED'],
      privileged: { adminRoles: 'any', groups: ['Administrators'] },
      mfa: { required: true, factorTypes: null },
      sensitiveApps: [],
      escalation: { approverGroup: 'IT Approvers', slaHours: 24, backupGroup: null, backupAfterHours: 24 },
      waiting: { cancelAfterHours: 72 },
      verification: {
        chat: 'auto',
        intake: 'none',
        web: 'none',
        api: 'none',
        sensitiveApps: 'none',
        privilegedUsers: 'none',
        maxAttempts: 3,
        pushTimeoutSeconds: 120,
      },
      unlock: { allowed: true },
      afterReset: { clearSessions: true, confirm: true, remindAfterHours: 4, watchHours: 24 },
      cooldown: { maxResets: 3, perHours: 24 },
    });
  });

  it('fills defaults inside a partly written nested object', () => {
    const p = policySchema.parse({ version: 'v1', mfa: { required: false } });
    expect(p.mfa).toEqual({ required: false, factorTypes: null });
  });

  it('requires a non-empty version', () => {
    expect(policySchema.safeParse({}).success).toBe(false);
    expect(policySchema.safeParse({ version: '   ' }).success).toBe(false);
  });

  it.each([
    ['an unknown top-level key', { version: 'v', thirdparty: 'deny' }],
    ['an unknown nested key', { version: 'v', mfa: { requried: true } }],
    ['a misspelt Okta status', { version: 'v', denyStatuses: ['SUSPENED'] }],
    ['a bad thirdParty value', { version: 'v', thirdParty: 'allow' }],
    ['adminRoles that is neither "any" nor a list', { version: 'v', privileged: { adminRoles: 'all' } }],
    ['an empty factorTypes list', { version: 'v', mfa: { factorTypes: [] } }],
    ['a zero SLA', { version: 'v', escalation: { slaHours: 0 } }],
    ['a string SLA', { version: 'v', escalation: { slaHours: '24' } }],
    ['an empty approver group', { version: 'v', escalation: { approverGroup: ' ' } }],
    ['a negative cooldown', { version: 'v', cooldown: { maxResets: -1 } }],
    ['a fractional cooldown count', { version: 'v', cooldown: { maxResets: 1.5 } }],
    ['a zero waiting window', { version: 'v', waiting: { cancelAfterHours: 0 } }],
  ])('rejects %s', (_name, input) => {
    expect(policySchema.safeParse(input).success).toBe(false);
  });

  it('gives every parse its own arrays (defaults are not shared)', () => {
    const a = policySchema.parse({ version: 'a' });
    const b = policySchema.parse({ version: 'b' });
    a.sensitiveApps.push('X');
    expect(b.sensitiveApps).toEqual([]);
  });
});

describe('DEFAULT_POLICY', () => {
  it('carries the default version and is deeply frozen', () => {
    expect(DEFAULT_POLICY.version).toBe(DEFAULT_POLICY_VERSION);
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.privileged.groups)).toBe(true);
  });
});

describe('appNameKey', () => {
  it.each([
    ['Salesforce', 'salesforce'],
    ['  Sales  Force ', 'sales force'],
    ['AWS\tConsole\n', 'aws console'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(appNameKey(input)).toBe(expected);
  });
});
