import { describe, expect, it } from 'vitest';
import { toOktaUser } from './okta-responses.js';

const user = (extra: Record<string, unknown> = {}) => ({
  id: '00u1',
  status: 'RECOVERY',
  created: '2024-01-01T00:00:00.000Z',
  profile: { login: 'ana@corp.test', email: 'ana@corp.test' },
  ...extra,
});

describe('toOktaUser', () => {
  it('carries statusChanged, normalised to UTC, and transitioningToStatus', () => {
    expect(toOktaUser(user({ statusChanged: '2024-01-27T03:52:45.000Z' }))).toEqual({
      id: '00u1',
      status: 'RECOVERY',
      login: 'ana@corp.test',
      email: 'ana@corp.test',
      statusChanged: '2024-01-27T03:52:45.000Z',
    });
    expect(toOktaUser(user({ statusChanged: '2024-01-27T05:52:45+02:00' })).statusChanged).toBe('2024-01-27T03:52:45.000Z');
    expect(toOktaUser(user({ status: 'PROVISIONED', transitioningToStatus: 'ACTIVE' })).transitioningToStatus).toBe('ACTIVE');
  });

  it('leaves out a statusChanged that is null, missing or unreadable (unknown), without failing the user', () => {
    for (const statusChanged of [null, undefined, 'yesterday', '2024-01-27', 1706327565000]) {
      const parsed = toOktaUser(user({ statusChanged }));
      expect(parsed).toMatchObject({ id: '00u1', status: 'RECOVERY' });
      expect('statusChanged' in parsed).toBe(false);
    }
    expect('transitioningToStatus' in toOktaUser(user({ transitioningToStatus: null }))).toBe(false);
  });

  it('refuses a transitioningToStatus that is not a string, rather than read it as "none"', () => {
    expect(() => toOktaUser(user({ transitioningToStatus: 7 }))).toThrow(/transitioningToStatus/);
  });
});
