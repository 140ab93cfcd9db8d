import { parseFixture, type SandboxFixture, type SandboxFixtureInput } from '../../src/okta-sandbox/index.js';

/**
 * A small, predictable org for tests of the sandbox and of resetdesk's Okta client: users
 * `user01@example.com` … with ids `00utestuser…01` …, one group, one SWA app and one SAML app.
 */

export const TEST_API_TOKEN = 'test-ssws-token-0123456789';

/** The id of the n-th test user (1-based), e.g. `00utestuser000000001`. */
export function testUserId(n: number): string {
  return `00utestuser${String(n).padStart(9, '0')}`;
}

/** Builds a validated fixture with `userCount` ACTIVE users; `extra` is merged over it. */
export function buildTestFixture(userCount = 3, extra: Partial<SandboxFixtureInput> = {}): SandboxFixture {
  const users = Array.from({ length: userCount }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      id: testUserId(i + 1),
      status: 'ACTIVE' as const,
      login: `user${n}@example.com`,
      email: `user${n}@example.com`,
      firstName: `First${n}`,
      lastName: `Last${n}`,
      factors: [{ id: `opftestfactor00000${n}`, factorType: 'push' as const, provider: 'OKTA' as const, status: 'ACTIVE' as const }],
      roles: [],
      groupIds: ['00gtestgroup00000001'],
    };
  });
  return parseFixture({
    apiToken: TEST_API_TOKEN,
    groups: [{ id: '00gtestgroup00000001', name: 'Testers', description: 'Everyone in the test org' }],
    users,
    apps: [
      {
        id: '0oatestswa0000000001',
        name: 'template_swa',
        label: 'Test SWA',
        signOnMode: 'BROWSER_PLUGIN',
        status: 'ACTIVE',
        assignedUserIds: users.slice(0, 1).map((u) => u.id),
      },
      {
        id: '0oatestsaml000000001',
        name: 'testorg_saml_1',
        label: 'Test SAML',
        signOnMode: 'SAML_2_0',
        status: 'ACTIVE',
        assignedUserIds: [],
      },
    ],
    ...extra,
  });
}
