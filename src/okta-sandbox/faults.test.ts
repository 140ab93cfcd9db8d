import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestFixture, TEST_API_TOKEN, testUserId } from '../../test/helpers/sandbox-test-fixture.js';
import { type OktaSandbox, startOktaSandbox } from './index.js';

describe('sandbox fault injection', () => {
  let sandbox: OktaSandbox;
  beforeAll(async () => {
    sandbox = await startOktaSandbox({ fixture: buildTestFixture() });
  });
  afterAll(async () => sandbox.close());

  const get = (path: string) =>
    fetch(`${sandbox.url}${path}`, { headers: { authorization: `SSWS ${TEST_API_TOKEN}`, accept: 'application/json' } });

  it('fails the next N matching requests with Okta 500 E0000009, then recovers', async () => {
    const user = testUserId(1);
    sandbox.failNext(2, { pathPrefix: `/api/v1/users/${user}/factors`, method: 'GET' });
    expect((await get(`/api/v1/users/${user}`)).status).toBe(200); // not matching
    const first = await get(`/api/v1/users/${user}/factors`);
    expect(first.status).toBe(500);
    expect(await first.json()).toMatchObject({ errorCode: 'E0000009', errorSummary: 'Internal Server Error' });
    expect(first.headers.get('x-rate-limit-remaining')).not.toBeNull();
    expect((await get(`/api/v1/users/${user}/factors`)).status).toBe(500);
    expect((await get(`/api/v1/users/${user}/factors`)).status).toBe(200);
    expect(sandbox.calls().map((c) => c.status)).toEqual([200, 500, 500, 200]);
  });
});
