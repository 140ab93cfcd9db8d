import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_FILING_LIMITS } from '../src/bench/no-filing-limits.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

const BACKLOG = 100;

/**
 * One requester's backlog must not delay everyone else's decisions: the worker shares its slots
 * between requesters (fair claiming, see claimDueJobs). Order is read from each request's
 * decided_at, not from wall-clock waits, so a slow machine cannot make these flaky.
 */
describe.each(DIALECTS)('fair scheduling on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestContext(dialect, {
      env: {
        WORKER_CONCURRENCY: '2',
        // Slots are scarce here on purpose: triage is otherwise admitted by Okta's (large) budget.
        TRIAGE_MAX_IN_FLIGHT: '2',
        // The flood is the point here: the HTTP limits on filing are tested elsewhere.
        ...NO_FILING_LIMITS,
      },
      policy: NO_COOLDOWN,
    });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    t.app.worker.start();
    await t.idle(60_000);
  });
  afterEach(async () => {
    // Once bob's decision is in, the rest of alice's backlog only costs time: drop it.
    await t.app.worker.stop();
    await t.app.ctx.db.deleteFrom('jobs').where('status', '=', 'pending').execute();
  });

  async function file(token: string, app: string): Promise<string> {
    const res = await t.create(token, { app, justification: 'I forgot my password' });
    expect(res.status, JSON.stringify(res.error)).toBe(201);
    return res.data!.request_id;
  }

  /** Alice's backlog, filed while the worker is stopped so that all of it is due at once. */
  async function aliceBacklog(): Promise<string[]> {
    await t.app.worker.stop();
    const ids: string[] = [];
    for (let i = 0; i < BACKLOG; i++) ids.push(await file(alice, 'Expensify'));
    return ids;
  }

  const decidedAt = async (ids: string[]) =>
    (await t.app.ctx.db.selectFrom('password_requests').select('decided_at').where('id', 'in', ids).execute()).map((r) => r.decided_at);
  /** How many of `ids` were decided before `when` (read once the worker has stopped, so none is mid-commit). */
  const decidedBefore = async (ids: string[], when: string) => (await decidedAt(ids)).filter((d) => d !== null && d < when).length;

  it(`a request filed behind ${BACKLOG} of another requester's is among the first decided`, async () => {
    const alices = await aliceBacklog();
    const bobs = await file(bob, 'Salesforce'); // filed last: every one of alice's is older
    t.app.worker.start();
    const bobsRequest = await t.waitForStatus(bobs, bob, ['Escalated'], 60_000);
    expect(bobsRequest.ruleId).toBe('sso_requires_approval');
    await t.app.worker.stop();
    // First come, first served decides all of alice's first; fair claiming takes bob's in the
    // worker's first claim, next to alice's oldest.
    expect(await decidedBefore(alices, bobsRequest.decidedAt!)).toBeLessThanOrEqual(3);
  }, 120_000);

  it("a request filed while the worker is busy with another requester's backlog takes the next free slot", async () => {
    const alices = await aliceBacklog();
    t.app.worker.start();
    // Wait until the worker is well into alice's backlog, every slot busy with her jobs…
    for (let deadline = Date.now() + 60_000; (await decidedAt(alices)).filter((d) => d !== null).length < 2; ) {
      if (Date.now() > deadline) throw new Error('alice’s first requests were never decided');
      await new Promise((r) => setTimeout(r, 5));
    }
    // …then bob files: his triage is younger than all of alice's waiting jobs.
    const bobs = await file(bob, 'Salesforce');
    const decidedWhenBobFiled = (await decidedAt(alices)).filter((d) => d !== null).length;
    const bobsRequest = await t.waitForStatus(bobs, bob, ['Escalated'], 60_000);
    await t.app.worker.stop();
    // The backlog was still there when bob filed: otherwise this would prove nothing.
    expect(BACKLOG - decidedWhenBobFiled).toBeGreaterThan(BACKLOG / 2);
    // Bob waited for the jobs already running (one per slot), not for alice's queue.
    expect((await decidedBefore(alices, bobsRequest.decidedAt!)) - decidedWhenBobFiled).toBeLessThanOrEqual(3);
  }, 120_000);
});
