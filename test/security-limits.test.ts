import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../src/http/api-types.js';
import { createLogger } from '../src/logger.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

const create = (t: TestContext, token: string, body: Partial<components['schemas']['CreateRequest']> = {}) =>
  t.create(token, { app: 'Expensify', justification: 'limits', ...body });

async function countRequests(t: TestContext, requester: string): Promise<number> {
  const row = await t.app.ctx.db
    .selectFrom('password_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('requester', '=', requester)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(DIALECTS)('per-person limits on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    // Identical requests on purpose: the duplicate rule (lifecycle.test.ts) would answer them with the first.
    t = await startTestContext(dialect, {
      env: { OPEN_REQUESTS_PER_PERSON: '3', REQUESTS_PER_PERSON_PER_HOUR: '5', DUPLICATE_REQUESTS: 'allow' },
      policy: NO_COOLDOWN,
    });
  });
  afterAll(async () => t?.close());

  it('caps the open requests of one person (409), storing nothing for the refused one', async () => {
    await t.app.worker.stop(); // nothing gets decided: every request stays open
    const alice = await t.token('alice@example.com');
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(t, alice)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 409, 409, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.error?.error.code).toBe('TOO_MANY_OPEN_REQUESTS');
    expect(refused.error?.error.message).toContain('alice@example.com');
    expect(await countRequests(t, 'alice@example.com')).toBe(3);
    // Another person is not affected.
    expect((await create(t, await t.token('bob@example.com'))).status).toBe(201);
    t.app.worker.start();
    await t.idle();
  });

  it('limits how many requests one person files per hour (429 with Retry-After), whichever channel files them', async () => {
    const grace = await t.token('grace@example.com'); // grace's Expensify resets complete, so none stays open
    const intake = await t.token('chat-intake@example.com', 'intake');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await (i % 2 ? create(t, intake, { requester: 'grace@example.com' }) : create(t, grace))).status);
      await t.idle(); // decided and closed: only the hourly count applies
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    for (const res of [await create(t, grace), await create(t, intake, { requester: 'grace@example.com' })]) {
      expect(res.status).toBe(429);
      expect(res.error?.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3000);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    }
    expect(await countRequests(t, 'grace@example.com')).toBe(5);
    // The channel itself is not throttled as one person: it still files for someone else.
    expect((await create(t, intake, { requester: 'bob@example.com' })).status).toBe(201);
    await t.idle();
    // An hour later by the clock requests are dated with (time.ts), the window has passed.
    const clock = testClock();
    setClock(clock);
    try {
      clock.advance(3_601_000);
      expect((await create(t, grace)).status).toBe(201);
      await t.idle();
    } finally {
      setClock(null);
    }
  });
});

describe('per-token and per-IP limits', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext('sqlite', {
      env: { RATE_LIMIT_PER_TOKEN: '20', RATE_LIMIT_PER_INTAKE_TOKEN: '60', RATE_LIMIT_PER_IP: '150' },
    });
  });
  afterAll(async () => t?.close());

  it('a personal token gets 429 with Retry-After past its limit; other tokens carry on; an intake channel has a higher ceiling', async () => {
    const alice = await t.token('alice@example.com');
    const bob = await t.token('bob@example.com');
    const intake = await t.token('chat-intake@example.com', 'intake');
    const aliceStatuses: number[] = [];
    const asAlice = t.client(alice);
    for (let i = 0; i < 21; i++) aliceStatuses.push((await asAlice.GET('/api/v1/apps')).response.status);
    expect(aliceStatuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    const limited = await asAlice.GET('/api/v1/apps');
    expect(limited.response.status).toBe(429);
    expect(limited.error?.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await t.client(bob).GET('/api/v1/apps')).response.status).toBe(200);
    const asIntake = t.client(intake);
    for (let i = 0; i < 40; i++) expect((await asIntake.GET('/api/v1/apps')).response.status).toBe(200);
  });

  it('every caller from one address shares the per-IP limit, checked before authentication', async () => {
    let status = 0;
    const client = t.client();
    for (let i = 0; i < 150 && status !== 429; i++) status = (await client.GET('/healthz')).response.status;
    expect(status).toBe(429);
    const anonymous = await client.GET('/api/v1/requests');
    expect(anonymous.response.status).toBe(429);
    expect(anonymous.response.headers.get('retry-after')).toBeTruthy();
  });
});

describe('slow requests', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext('sqlite', { env: { REQUEST_TIMEOUT_MS: '1500' } });
  });
  afterAll(async () => t?.close());

  it('a body trickled in a byte at a time is cut off after REQUEST_TIMEOUT_MS with a 408 in the error shape', async () => {
    const url = new URL(t.url);
    const token = await t.token('alice@example.com'); // authenticated: an anonymous one is refused before its body
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    const started = Date.now();
    socket.write(
      `POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: Bearer ${token}\r\n\r\n{`,
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 200);
    const end = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 8000))]);
    clearInterval(drip);
    socket.destroy();
    expect(end, 'the server kept the connection open').toBeGreaterThan(0);
    expect(end - started).toBeLessThan(4000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } });
  });
});

describe('logs', () => {
  let t: TestContext;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestContext('sqlite', { logger: createLogger('trace', sink) });
  });
  afterAll(async () => t?.close());

  it('never carry query strings or tokens, and have one msg per line, at every level', async () => {
    const alice = await t.token('alice@example.com');
    const secret = 'rd_SECRET_IN_URL_0123456789';
    // Unknown query parameters, an unknown route and a mistyped body: raw.
    await t.raw('GET', `/api/v1/requests?access_token=${secret}`, { token: alice });
    await t.raw('GET', `/api/v1/apps?token=${secret}`, { token: alice });
    await t.raw('GET', `/no/such/route?token=${secret}`);
    await t.raw('POST', `/api/v1/requests?token=${secret}`, { token: alice, body: { app: 42 } });
    await t.client(secret).GET('/api/v1/requests');
    await t.create(alice, { app: 'Expensify', justification: 'logs' });
    await t.idle();
    expect(lines.length).toBeGreaterThan(5);
    const leaks = lines.filter((l) => l.includes(secret) || l.includes(alice));
    expect(leaks).toEqual([]);
    for (const line of lines) expect(line.match(/"msg":/g)?.length ?? 0, line).toBe(1);
    expect(lines.some((l) => l.includes('"path":"/api/v1/requests"'))).toBe(true);
  });
});
