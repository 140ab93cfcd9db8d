import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestFixture, testUserId } from '../../test/helpers/sandbox-test-fixture.js';
import { type OktaSandbox, runSandboxCli, startOktaSandbox } from './index.js';

let sb: OktaSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
  vi.restoreAllMocks();
});

/** Starts a sandbox that afterEach closes. */
async function start(options: Parameters<typeof startOktaSandbox>[0]): Promise<OktaSandbox> {
  sb = await startOktaSandbox(options);
  return sb;
}

const get = (s: OktaSandbox, path: string) => fetch(`${s.url}${path}`, { headers: { Authorization: `SSWS ${s.apiToken}` } });

describe('rate limits', () => {
  it('answers 429 E0000047 once a bucket is spent, and recovers when the window resets', async () => {
    let clock = Date.UTC(2025, 0, 1, 12, 0, 0);
    const s = await start({ fixture: buildTestFixture(1), rateLimit: { limit: 3, windowSeconds: 60 }, now: () => clock });
    const reset = String(Date.UTC(2025, 0, 1, 12, 1, 0) / 1000);
    for (const remaining of ['2', '1', '0']) {
      const res = await get(s, `/api/v1/users/${testUserId(1)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-rate-limit-limit')).toBe('3');
      expect(res.headers.get('x-rate-limit-remaining')).toBe(remaining);
      expect(res.headers.get('x-rate-limit-reset')).toBe(reset);
    }
    const limited = await get(s, `/api/v1/users/${testUserId(1)}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.headers.get('x-rate-limit-reset')).toBe(reset);
    expect(await limited.json()).toMatchObject({
      errorCode: 'E0000047',
      errorSummary: 'API call exceeded rate limit due to too many requests.',
    });

    // Other buckets (method + path template) keep their own budget.
    expect((await get(s, '/api/v1/users')).status).toBe(200);

    clock += 60_000;
    const after = await get(s, `/api/v1/users/${testUserId(1)}`);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-rate-limit-remaining')).toBe('2');
  });

  it('uses the fixture limit by default and sends the headers on errors too', async () => {
    const s = await start({ fixture: buildTestFixture(1, { rateLimit: { limit: 5, windowSeconds: 60 } }) });
    const res = await fetch(`${s.url}/api/v1/users`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-rate-limit-limit')).toBe('5');
  });
});

describe('call recording', () => {
  it('records every request in order, with query and final status', async () => {
    const s = await start({ fixture: buildTestFixture(2), rateLimit: { limit: 2, windowSeconds: 60 } });
    await get(s, `/api/v1/users?filter=${encodeURIComponent('profile.login eq "user01@example.com"')}`);
    await get(s, '/api/v1/users/00unosuchuser0000000');
    await fetch(`${s.url}/api/v1/apps/0oatestswa0000000001`);
    await get(s, '/api/v1/users');
    await get(s, '/api/v1/users');
    await get(s, '/nowhere');
    expect(s.calls().map((c) => [c.method, c.path, c.status])).toEqual([
      ['GET', '/api/v1/users', 200],
      ['GET', '/api/v1/users/00unosuchuser0000000', 404],
      ['GET', '/api/v1/apps/0oatestswa0000000001', 401],
      ['GET', '/api/v1/users', 200],
      ['GET', '/api/v1/users', 429],
      ['GET', '/nowhere', 404],
    ]);
    expect(s.calls()[0]?.query).toEqual({ filter: 'profile.login eq "user01@example.com"' });
    expect(Number.isNaN(Date.parse(s.calls()[0]?.at ?? ''))).toBe(false);
    s.clearCalls();
    expect(s.calls()).toEqual([]);
  });
});

describe('routing', () => {
  it('answers unknown routes with an Okta 404 and wrong methods with E0000022', async () => {
    const s = await start({ fixture: buildTestFixture(1) });
    const unknown = await get(s, '/api/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ errorCode: 'E0000007', errorLink: 'E0000007', errorCauses: [] });
    const wrongMethod = await fetch(`${s.url}/api/v1/users/${testUserId(1)}/roles`, {
      method: 'DELETE',
      headers: { Authorization: `SSWS ${s.apiToken}` },
    });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as any).errorCode).toBe('E0000022');
  });
});

describe('latency', () => {
  it('delays every response by latencyMs', async () => {
    const s = await start({ fixture: buildTestFixture(1), latencyMs: 120 });
    const started = performance.now();
    const res = await get(s, `/api/v1/users/${testUserId(1)}`);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe('runSandboxCli', () => {
  it('starts the demo org and prints one line with the URL and token', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    sb = await runSandboxCli({ port: 0 });
    expect(write).toHaveBeenCalledWith(`Okta sandbox listening on ${sb.url} (SSWS token: ${sb.apiToken})\n`);
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(sb, `/api/v1/users?filter=${encodeURIComponent('profile.login eq "alice.nguyen@example.com"')}`);
    expect(((await res.json()) as unknown[]).length).toBe(1);
  });
});
