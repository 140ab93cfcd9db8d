import { afterEach, describe, expect, it } from 'vitest';
import { NO_FILING_LIMITS } from '../src/bench/no-filing-limits.js';
import { listAuditEvents } from '../src/db/repositories/audit.repository.js';
import { JOB_KINDS } from '../src/jobs/job-kinds.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

/**
 * Triage runs as many at once as Okta's rate budget allows (the worker's triage lane, app.ts),
 * not as many as WORKER_CONCURRENCY: requests queue on the budget — in the job queue, in fair
 * order — and never draw a 429 of resetdesk's own making.
 */
const FLOOD = NO_FILING_LIMITS;

describe('triage concurrency set by the Okta budget', () => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function file(ctx: TestContext, token: string, n: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const res = await ctx.create(token, { app: 'Expensify', justification: 'I forgot my password' });
        expect(res.status, JSON.stringify(res.error)).toBe(201);
        return res.data!.request_id;
      }),
    );
  }

  it('runs many triages at once with a one-slot worker pool when Okta has budget', async () => {
    t = await startTestContext('sqlite', { env: { ...FLOOD, WORKER_CONCURRENCY: '1' }, policy: NO_COOLDOWN, sandboxLatencyMs: 150 });
    const ctx = t;
    const token = await ctx.token('alice@example.com');
    const ids = await file(ctx, token, 12);
    await ctx.idle(60_000);

    // Each request's user lookup, as [start, end] from its Tool Call event (end = event time).
    const lookups: [number, number][] = [];
    for (const id of ids) {
      expect(await ctx.request(id, token)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
      const call = (await listAuditEvents(ctx.app.ctx.db, id)).find(
        (e) => e.eventType === 'Tool Call' && e.details.tool === 'okta.findUser',
      );
      expect(call, `request ${id} has no okta.findUser call`).toBeDefined();
      const end = Date.parse(call!.createdAt);
      lookups.push([end - Number(call!.details.durationMs), end]);
    }
    // With one slot per pool the lookups would follow one another; here most overlap.
    const mostAtOnce = Math.max(...lookups.map(([s]) => lookups.filter(([a, b]) => a <= s && s < b).length));
    expect(mostAtOnce).toBeGreaterThanOrEqual(6);
    expect(ctx.sandbox.calls().filter((c) => c.status === 429)).toHaveLength(0);
  }, 90_000);

  it('holds triage to a small budget in the job queue: no 429, fair across requesters', async () => {
    t = await startTestContext('sqlite', {
      env: { ...FLOOD, WORKER_CONCURRENCY: '16' },
      policy: NO_COOLDOWN,
      sandboxRateLimit: { limit: 4, windowSeconds: 1 },
    });
    const ctx = t;
    const db = ctx.app.ctx.db;
    // Filed while the worker is stopped, so all of alice's backlog is due before bob's request.
    await ctx.app.worker.stop();
    const alice = await ctx.token('alice@example.com');
    const bob = await ctx.token('bob@example.com');
    const alices = await file(ctx, alice, 16);
    const [bobs] = await file(ctx, bob, 1);

    let sampling = true;
    let mostRunning = 0;
    const sampler = (async () => {
      while (sampling) {
        const row = await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', JOB_KINDS.triage)
          .where('status', '=', 'running')
          .executeTakeFirstOrThrow();
        mostRunning = Math.max(mostRunning, Number(row.n));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    ctx.app.worker.start();
    await ctx.idle(90_000);
    sampling = false;
    await sampler;

    const all = [...alices, bobs!];
    const rows = await db.selectFrom('password_requests').select(['id', 'status', 'decided_at']).where('id', 'in', all).execute();
    expect(rows.filter((r) => r.status === 'Closed')).toHaveLength(all.length);
    // Okta was never pushed past its budget…
    const calls = ctx.sandbox.calls();
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
    // …because triage waited in the queue, not in flight: never more running than one window's budget.
    expect(mostRunning).toBeGreaterThan(0);
    expect(mostRunning).toBeLessThanOrEqual(4);
    // 17 lookups at 4 per window take several windows, and bob's did not wait for all of alice's.
    const bobDecided = rows.find((r) => r.id === bobs)!.decided_at!;
    const aliceBefore = rows.filter((r) => r.id !== bobs && r.decided_at! < bobDecided).length;
    expect(aliceBefore).toBeLessThanOrEqual(8);
    const lookups = calls.filter((c) => c.path === '/api/v1/users' && c.status === 200);
    expect(Date.parse(lookups.at(-1)!.at) - Date.parse(lookups[0]!.at)).toBeGreaterThan(2000);
  }, 120_000);
});
