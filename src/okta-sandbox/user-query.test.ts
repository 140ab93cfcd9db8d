import { describe, expect, it } from 'vitest';
import { buildTestFixture, testUserId } from '../../test/helpers/sandbox-test-fixture.js';
import { SandboxOktaError } from './okta-errors.js';
import { SandboxState } from './sandbox-state.js';
import { parseUserQuery } from './user-query.js';

const state = new SandboxState(buildTestFixture(3));
const ids = (expr: string, mode: 'filter' | 'search' = 'filter') =>
  state
    .usersById()
    .filter(parseUserQuery(expr, mode))
    .map((u) => u.id);

describe('parseUserQuery', () => {
  it('matches eq on login and email without regard to case', () => {
    expect(ids('profile.login eq "USER02@EXAMPLE.COM"')).toEqual([testUserId(2)]);
    expect(ids('profile.email EQ "user03@example.com"')).toEqual([testUserId(3)]);
  });

  it('keeps other filter values case-sensitive, as Okta documents', () => {
    expect(ids('status eq "active"')).toEqual([]);
    expect(ids('status eq "ACTIVE"')).toHaveLength(3);
  });

  it('combines and/or with parentheses', () => {
    expect(ids('profile.login eq "user01@example.com" or (profile.lastName eq "Last03" and status eq "ACTIVE")')).toEqual([
      testUserId(1),
      testUserId(3),
    ]);
  });

  it('supports date ranges on lastUpdated', () => {
    expect(ids('lastUpdated gt "2000-01-01T00:00:00.000Z" and lastUpdated lt "2100-01-01T00:00:00.000Z"')).toHaveLength(3);
    expect(ids('lastUpdated lt "2000-01-01T00:00:00.000Z"')).toEqual([]);
  });

  it('allows sw, co and pr in search only', () => {
    expect(ids('profile.firstName sw "first0"', 'search')).toHaveLength(3);
    expect(ids('profile.email co "ER02@"', 'search')).toEqual([testUserId(2)]);
    expect(ids('profile.title pr', 'search')).toEqual([]);
    expect(() => ids('profile.firstName sw "First"')).toThrow(SandboxOktaError);
  });

  it('rejects malformed or unsupported expressions with E0000031', () => {
    for (const bad of [
      '',
      'profile.login',
      'profile.login eq',
      '(status eq "ACTIVE"',
      'status eq "A" xor id eq "B"',
      'lastUpdated gt "yesterday"',
      'id eq "x" and',
    ]) {
      try {
        ids(bad);
        throw new Error(`accepted: ${bad}`);
      } catch (err) {
        expect(err, bad).toBeInstanceOf(SandboxOktaError);
        expect((err as SandboxOktaError).code).toBe('E0000031');
      }
    }
    expect(() => ids('profile.nickName co "x"', 'search')).toThrow(/Invalid search criteria/);
  });
});
