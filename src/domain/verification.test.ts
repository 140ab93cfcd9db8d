import { describe, expect, it } from 'vitest';
import type { OktaFactor } from './okta-facts.js';
import { policySchema } from './policy.js';
import { channelLevel, planChallenge, requiredLevel, strongest, verificationChannelOf } from './verification.js';

const policy = policySchema.parse({ version: 't' });
const factor = (id: string, factorType: string, status = 'ACTIVE'): OktaFactor => ({ id, factorType, provider: 'OKTA', status });
const PUSH = factor('opf1', 'push');
const TOTP = factor('ost1', 'token:software:totp');
const SMS = factor('mbl1', 'sms');

describe('verification levels', () => {
  it('maps channels to the policy’s names', () => {
    expect(['slack', 'teams', 'web', 'intake', 'api', 'anything'].map(verificationChannelOf)).toEqual([
      'chat',
      'chat',
      'web',
      'intake',
      'api',
      'api',
    ]);
  });

  it('orders levels none < any_factor < auto < push', () => {
    expect(strongest('none', 'auto')).toBe('auto');
    expect(strongest('push', 'any_factor')).toBe('push');
    expect(strongest('any_factor', 'auto')).toBe('auto');
  });

  it('takes the channel’s level; a web sign-in without MFA needs at least auto', () => {
    expect(channelLevel(policy, 'slack', null)).toBe('auto');
    expect(channelLevel(policy, 'api', null)).toBe('none');
    expect(channelLevel(policy, 'web', true)).toBe('none');
    expect(channelLevel(policy, 'web', false)).toBe('auto');
    const strict = policySchema.parse({ version: 't', verification: { web: 'push' } });
    expect(channelLevel(strict, 'web', false)).toBe('push'); // never lowered
  });

  it('raises the level for sensitive apps and privileged users, as the policy says', () => {
    const raising = policySchema.parse({ version: 't', verification: { sensitiveApps: 'any_factor', privilegedUsers: 'push' } });
    expect(requiredLevel(raising, 'none', { sensitiveApp: false, privilegedUser: false })).toBe('none');
    expect(requiredLevel(raising, 'none', { sensitiveApp: true, privilegedUser: false })).toBe('any_factor');
    expect(requiredLevel(raising, 'auto', { sensitiveApp: true, privilegedUser: false })).toBe('auto');
    expect(requiredLevel(raising, 'none', { sensitiveApp: true, privilegedUser: true })).toBe('push');
    expect(requiredLevel(policy, 'none', { sensitiveApp: true, privilegedUser: true })).toBe('none'); // defaults raise nothing
  });
});

describe('planChallenge', () => {
  const ids = (plan: ReturnType<typeof planChallenge>) => ({ push: plan.push?.factorId ?? null, codes: plan.codes.map((c) => c.factorId) });

  it('push: only a push', () => {
    expect(ids(planChallenge('push', [PUSH, TOTP]))).toEqual({ push: 'opf1', codes: [] });
    expect(ids(planChallenge('push', [TOTP, SMS]))).toEqual({ push: null, codes: [] });
  });

  it('auto: a push when enrolled, else the codes', () => {
    expect(ids(planChallenge('auto', [TOTP, PUSH]))).toEqual({ push: 'opf1', codes: [] });
    expect(ids(planChallenge('auto', [TOTP, SMS]))).toEqual({ push: null, codes: ['ost1', 'mbl1'] });
  });

  it('any_factor: the push and every code factor', () => {
    expect(ids(planChallenge('any_factor', [PUSH, TOTP, SMS]))).toEqual({ push: 'opf1', codes: ['ost1', 'mbl1'] });
  });

  it('ignores factors that are not ACTIVE and types that take no code', () => {
    const plan = planChallenge('any_factor', [
      factor('p2', 'push', 'PENDING_ACTIVATION'),
      factor('w1', 'webauthn'),
      factor('q1', 'question'),
    ]);
    expect(ids(plan)).toEqual({ push: null, codes: [] });
  });

  it('marks the factors whose code Okta must send first', () => {
    const plan = planChallenge('any_factor', [TOTP, SMS, factor('em1', 'email')]);
    expect(plan.codes.map((c) => [c.factorType, c.issue])).toEqual([
      ['token:software:totp', false],
      ['sms', true],
      ['email', true],
    ]);
  });
});
