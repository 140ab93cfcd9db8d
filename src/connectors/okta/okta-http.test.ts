import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOkta, oktaErrorBody, startFakeOkta } from '../../../test/helpers/fake-okta-server.js';
import { isRetryable } from '../../errors/error-codes.js';
import { createOktaConnector, type OktaConnectorOptions } from './index.js';
import { OktaApiError } from './okta-errors.js';

let okta: FakeOkta;
const TOKEN = 'ssws-SeCrEt-TOKEN-value-0123456789';
const FACTORS = '/api/v1/users/:userId/factors';

beforeEach(async () => {
  okta = await startFakeOkta();
});
afterEach(async () => {
  await okta.close();
});

/** Records sleeps instead of waiting; `events` interleaves sleeps with requests received. */
function harness(extra: Record<string, unknown> = {}, opts: OktaConnectorOptions = {}) {
  const sleeps: number[] = [];
  const events: string[] = [];
  const c = createOktaConnector(
    { orgUrl: okta.url, auth: { kind: 'ssws', token: TOKEN }, ...extra },
    {
      random: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        events.push('sleep');
      },
      ...opts,
    },
  );
  return { c, sleeps, events };
}

/** Rate-limit headers as Okta sends them, with the server clock in Date. */
function rateHeaders(remaining: number, resetInS: number, nowMs = Date.now()): Record<string, string> {
  return {
    date: new Date(nowMs).toUTCString(),
    'x-rate-limit-limit': '600',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(nowMs / 1000) + resetInS),
  };
}

describe('rate limits', () => {
  it('a 429 waits until X-Rate-Limit-Reset (plus jitter), then succeeds', async () => {
    let calls = 0;
    okta.on('GET', FACTORS, () =>
      ++calls === 1
        ? {
            status: 429,
            headers: rateHeaders(0, 1),
            json: oktaErrorBody('E0000047', 'API call exceeded rate limit due to too many requests.'),
          }
        : { json: [] },
    );
    const { c, sleeps } = harness();
    await expect(c.listFactors('00u1')).resolves.toEqual([]);
    expect(calls).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[0]).toBeLessThanOrEqual(1100 + 50);
  });

  it('a 429 without a reset header backs off; exhausted retries give OKTA_RATE_LIMITED', async () => {
    okta.on('GET', FACTORS, () => ({ status: 429, json: oktaErrorBody('E0000047', 'API call exceeded rate limit') }));
    const { c, sleeps } = harness({ maxRetries: 2 });
    await expect(c.listFactors('00u1')).rejects.toMatchObject({ code: 'OKTA_RATE_LIMITED' });
    expect(okta.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms > 0)).toBe(true);
  });

  it('waits before sending when the bucket has no remaining budget', async () => {
    const { c, events, sleeps } = harness();
    okta.on('GET', FACTORS, () => {
      events.push('request');
      return { json: [], headers: rateHeaders(0, 2) };
    });
    okta.on('GET', '/api/v1/users/:userId/roles', () => {
      events.push('roles');
      return { json: [] };
    });
    await c.listFactors('00u1');
    await c.listAdminRoles('00u1'); // another bucket is not held back
    await c.listFactors('00u1');
    expect(events).toEqual(['request', 'roles', 'sleep', 'request']);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1500);
    expect(sleeps[0]).toBeLessThanOrEqual(2100);
  });

  it('never sends more concurrent requests than the remaining budget', async () => {
    const { c, events } = harness();
    let first = true;
    okta.on('GET', FACTORS, () => {
      events.push('request');
      const headers = first ? rateHeaders(1, 5) : rateHeaders(100, 60);
      first = false;
      return { json: [], headers, delayMs: 20 };
    });
    await c.listFactors('00u1');
    await Promise.all([c.listFactors('00u1'), c.listFactors('00u1'), c.listFactors('00u1')]);
    // One request fits in the budget; the other two wait for the reset before being sent.
    expect(events.slice(0, 4)).toEqual(['request', 'sleep', 'sleep', 'request']);
    expect(events.filter((e) => e === 'request')).toHaveLength(4);
  });
});

describe('retries', () => {
  it('retries 5xx with backoff and then succeeds', async () => {
    let calls = 0;
    okta.on('GET', FACTORS, () => (++calls < 3 ? { status: 503, text: '<html>Service Unavailable</html>' } : { json: [] }));
    const { c, sleeps } = harness();
    await expect(c.listFactors('00u1')).resolves.toEqual([]);
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] ?? Infinity);
  });

  it('gives OKTA_UNAVAILABLE when 5xx outlasts maxRetries', async () => {
    okta.on('GET', FACTORS, () => ({ status: 500, json: oktaErrorBody('E0000009', 'Internal Server Error') }));
    const { c } = harness({ maxRetries: 3 });
    const err = await c.listFactors('00u1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_UNAVAILABLE', details: { attempts: 4 } });
    expect(okta.requests).toHaveLength(4);
  });

  it('retries a GET that timed out', async () => {
    let calls = 0;
    okta.on('GET', FACTORS, () =>
      ++calls === 1 ? { delayMs: 1_000, json: [] } : { json: [{ id: 'f1', factorType: 'push', provider: 'OKTA', status: 'ACTIVE' }] },
    );
    const { c, sleeps } = harness({ timeoutMs: 150 });
    await expect(c.listFactors('00u1')).resolves.toHaveLength(1);
    expect(calls).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('does not repeat reset_password after a 500 or a timeout (Okta may have acted)', async () => {
    okta.on('POST', '/api/v1/users/:id/lifecycle/reset_password', () => ({
      status: 500,
      json: oktaErrorBody('E0000009', 'Internal Server Error'),
    }));
    const { c } = harness();
    await expect(c.resetPassword('00u1')).rejects.toMatchObject({ code: 'OKTA_UNAVAILABLE', details: { outcomeUnknown: true } });
    expect(okta.requests).toHaveLength(1);

    okta.on('POST', '/api/v1/users/:id/lifecycle/reset_password', () => ({ delayMs: 1_000, json: {} }));
    const slow = harness({ timeoutMs: 150 });
    await expect(slow.c.resetPassword('00u1')).rejects.toMatchObject({ code: 'OKTA_UNAVAILABLE', details: { outcomeUnknown: true } });
    expect(okta.requests).toHaveLength(2);
  });

  it('does retry reset_password after 429 and 503 (Okta did nothing)', async () => {
    let calls = 0;
    okta.on('POST', '/api/v1/users/:id/lifecycle/reset_password', () => {
      calls += 1;
      if (calls === 1) return { status: 429, headers: rateHeaders(0, 1), json: oktaErrorBody('E0000047', 'rate limit') };
      if (calls === 2) return { status: 503, text: 'unavailable' };
      return { json: {} };
    });
    const { c } = harness();
    await expect(c.resetPassword('00u1')).resolves.toBeUndefined();
    expect(calls).toBe(3);
  });
});

describe('error answers', () => {
  it("400 becomes an OktaApiError with Okta's code, summary, causes and id", async () => {
    okta.on('GET', FACTORS, () => ({
      status: 400,
      json: oktaErrorBody('E0000001', 'Api validation failed: factorType', ['factorType: is invalid']),
    }));
    const err = await harness()
      .c.listFactors('00u1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OktaApiError);
    expect(err).toMatchObject({
      code: 'OKTA_ERROR',
      httpStatus: 400,
      oktaErrorCode: 'E0000001',
      errorSummary: 'Api validation failed: factorType',
      errorCauses: ['factorType: is invalid'],
      errorId: 'oae0001test',
    });
    expect((err as Error).message).toContain('GET /api/v1/users/{userId}/factors');
    expect(okta.requests).toHaveLength(1); // 4xx is not retried
  });

  it('403 becomes OKTA_AUTH_FAILED; 401 too', async () => {
    okta.on('GET', FACTORS, () => ({
      status: 403,
      json: oktaErrorBody('E0000006', 'You do not have permission to perform the requested action'),
    }));
    okta.on('GET', '/api/v1/users/:userId/roles', () => ({ status: 401, json: oktaErrorBody('E0000011', 'Invalid token provided') }));
    const { c } = harness();
    await expect(c.listFactors('00u1')).rejects.toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 403, oktaErrorCode: 'E0000006' });
    await expect(c.listAdminRoles('00u1')).rejects.toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 401 });
    expect(okta.requests).toHaveLength(2); // an SSWS 401 is not retried
  });

  it('a 403 that refuses the operation (E0000038) is OKTA_ERROR; access denied stays OKTA_AUTH_FAILED', async () => {
    okta.on('POST', '/api/v1/users/:id/lifecycle/reset_password', () => ({
      status: 403,
      json: oktaErrorBody('E0000038', "This operation is not allowed in the user's current status."),
    }));
    okta.on('GET', FACTORS, () => ({ status: 403, text: 'Forbidden' }));
    const { c } = harness();
    const refused = await c.resetPassword('00u1').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'OKTA_ERROR', httpStatus: 403, oktaErrorCode: 'E0000038' });
    expect((refused as Error).message).toContain('POST /api/v1/users/{id}/lifecycle/reset_password');
    await expect(c.listFactors('00u1')).rejects.toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 403 });
    expect(okta.requests).toHaveLength(2);
  });

  it('says which failures a job may retry: refusals no; outages, rate limits and unknown outcomes yes', async () => {
    const RESET = '/api/v1/users/:id/lifecycle/reset_password';
    const { c } = harness({ maxRetries: 0 });
    const failure = (call: () => Promise<unknown>) =>
      call().then(
        () => expect.fail('expected a failure'),
        (e: unknown) => e,
      );

    for (const [status, code] of [
      [400, 'E0000001'],
      [403, 'E0000038'],
      [404, 'E0000007'],
      [401, 'E0000011'],
      [403, 'E0000006'],
    ] as const) {
      okta.on('POST', RESET, () => ({ status, json: oktaErrorBody(code, 'refused') }));
      expect(isRetryable(await failure(() => c.resetPassword('00u1'))), `${status} ${code}`).toBe(false);
    }
    okta.on('POST', RESET, () => ({ status: 500, json: oktaErrorBody('E0000009', 'Internal Server Error') }));
    const unknown = await failure(() => c.resetPassword('00u1'));
    expect(unknown).toMatchObject({ code: 'OKTA_UNAVAILABLE', details: { outcomeUnknown: true } });
    expect(isRetryable(unknown)).toBe(true);
    okta.on('POST', RESET, () => ({ status: 429, json: oktaErrorBody('E0000047', 'rate limit') }));
    const limited = await failure(() => c.resetPassword('00u1'));
    expect(limited).toMatchObject({ code: 'OKTA_RATE_LIMITED' });
    expect(isRetryable(limited)).toBe(true);
    okta.on('POST', RESET, () => ({ status: 503, text: 'unavailable' }));
    expect(isRetryable(await failure(() => c.resetPassword('00u1')))).toBe(true);
  });

  it('handles a non-JSON error body', async () => {
    okta.on('GET', FACTORS, () => ({ status: 400, text: '<html><body>Bad Request</body></html>' }));
    const err = await harness()
      .c.listFactors('00u1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_ERROR', httpStatus: 400, oktaErrorCode: undefined });
    expect((err as Error).message).toContain('Bad Request');
  });

  it('never puts the token in an error, even when the server echoes it', async () => {
    okta.on('GET', FACTORS, (req) => ({
      status: 400,
      json: oktaErrorBody('E0000001', `bad header ${String(req.headers.authorization)}`, [`got ${String(req.headers.authorization)}`]),
    }));
    okta.on('GET', '/api/v1/users/:userId/roles', (req) => ({ status: 502, text: `proxy saw ${String(req.headers.authorization)}` }));
    const { c } = harness({ maxRetries: 0 });
    for (const call of [c.listFactors('00u1'), c.listAdminRoles('00u1')]) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const everything = `${(err as Error).message} ${JSON.stringify(err)} ${JSON.stringify((err as { details?: unknown }).details)}`;
      expect(everything).not.toContain(TOKEN);
    }
  });
});
