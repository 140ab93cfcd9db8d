import { describe, expect, it } from 'vitest';
import { OktaRateLimiter } from './okta-rate-limiter.js';

/** A window never resets within a test: whoever waits for one stays waiting. */
const deps = { now: () => Date.now(), sleep: () => new Promise<void>(() => {}), random: () => 0 };
const headers = (remaining: number, limit = 100) =>
  new Headers({
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 60),
  });
const tick = () => new Promise((r) => setImmediate(r));

/** The per-bucket budget: what decides how many Okta calls may be out at once. */
describe('Okta rate limiter', () => {
  it('sends one request alone while the budget is unknown, then as many as the budget allows', async () => {
    const limiter = new OktaRateLimiter(deps);
    const sent: number[] = [];
    const acquires = [0, 1, 2, 3, 4].map((i) => limiter.acquire('GET /api/v1/users').then(() => sent.push(i)));
    await tick();
    expect(sent).toEqual([0]); // the probe
    limiter.complete('GET /api/v1/users', headers(3));
    await tick();
    // Three left in the window: three go, the fifth waits for the window.
    expect(sent).toEqual([0, 1, 2, 3]);
    limiter.complete('GET /api/v1/users', headers(2));
    await tick();
    expect(sent).toHaveLength(4);
    void acquires;
  });

  it('a probe that fails (no answer) hands the probe to the next request', async () => {
    const limiter = new OktaRateLimiter(deps);
    const sent: number[] = [];
    for (const i of [0, 1, 2]) void limiter.acquire('b').then(() => sent.push(i));
    await tick();
    expect(sent).toEqual([0]);
    limiter.complete('b', undefined); // a network error: nothing learned
    await tick();
    expect(sent).toEqual([0, 1]);
    limiter.complete('b', headers(50));
    await tick();
    expect(sent).toEqual([0, 1, 2]);
  });

  it('a bucket Okta answers without rate-limit headers is not held back', async () => {
    const limiter = new OktaRateLimiter(deps);
    await limiter.acquire('c');
    limiter.complete('c', new Headers());
    const sent: number[] = [];
    for (const i of [0, 1, 2, 3]) void limiter.acquire('c').then(() => sent.push(i));
    await tick();
    expect(sent).toEqual([0, 1, 2, 3]);
  });

  it('buckets are separate: an unknown one does not hold back a known one', async () => {
    const limiter = new OktaRateLimiter(deps);
    await limiter.acquire('known');
    limiter.complete('known', headers(10));
    void limiter.acquire('unknown');
    const sent: number[] = [];
    for (const i of [0, 1]) void limiter.acquire('known').then(() => sent.push(i));
    await tick();
    expect(sent).toEqual([0, 1]);
  });

  describe('headroom (sizes the triage lane)', () => {
    const reads = (b: string) => b.startsWith('GET ');

    it('is 1 before any read was answered, 0 while a probe is out, then the tightest budget left', async () => {
      const limiter = new OktaRateLimiter(deps);
      expect(limiter.headroom(reads)).toBe(1);
      await limiter.acquire('GET /api/v1/users');
      expect(limiter.headroom(reads)).toBe(0); // the probe is finding the budget out
      limiter.complete('GET /api/v1/users', headers(40));
      await limiter.acquire('GET /api/v1/users/{id}/groups');
      limiter.complete('GET /api/v1/users/{id}/groups', headers(25));
      expect(limiter.headroom(reads)).toBe(25);
      // Writes are not triage's budget.
      await limiter.acquire('POST /api/v1/users/{id}/lifecycle/reset_password');
      limiter.complete('POST /api/v1/users/{id}/lifecycle/reset_password', headers(0));
      expect(limiter.headroom(reads)).toBe(25);
    });

    it('is 0 while a read waits for its window, and counts an ended window as refilled', async () => {
      let now = Date.now();
      let wake = () => {};
      const limiter = new OktaRateLimiter({
        now: () => now,
        sleep: () =>
          new Promise<void>((r) => {
            wake = r;
          }),
        random: () => 0,
      });
      await limiter.acquire('GET /api/v1/users');
      limiter.complete('GET /api/v1/users', headers(0, 30));
      const waiting = limiter.acquire('GET /api/v1/users');
      await tick();
      expect(limiter.headroom(reads)).toBe(0);
      now += 61_000; // past the reset
      wake();
      await waiting;
      limiter.complete('GET /api/v1/users', undefined);
      expect(limiter.headroom(reads)).toBe(30);
    });

    it('is Infinity when Okta reports no limit on the reads', async () => {
      const limiter = new OktaRateLimiter(deps);
      await limiter.acquire('GET /api/v1/apps/{id}');
      limiter.complete('GET /api/v1/apps/{id}', new Headers());
      expect(limiter.headroom(reads)).toBe(Number.POSITIVE_INFINITY);
    });
  });
});
