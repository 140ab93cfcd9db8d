import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { enqueueJob, getJobByKey } from '../db/repositories/job.repository.js';
import { AppError, type ErrorCode } from '../errors/error-codes.js';
import { createWorker, DeferJob, type JobHandler, PermanentJobError, type Worker } from './worker.js';

/** The worker against a real SQLite file; handlers here are test jobs, the worker is the product. */
describe('job worker', () => {
  let database: DatabaseHandle;
  let workers: Worker[];
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    database = openDatabase(`sqlite:${join(mkdtempSync(join(tmpdir(), 'rd-worker-')), 'w.db')}`);
    await migrateToLatest(database.db);
    workers = [];
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await database.close();
  });

  const start = (handlers: JobHandler[], leaseMs = 300) => {
    const w = createWorker({ db: database.db, handlers, logger, concurrency: 2, pollMs: 20, leaseMs, baseBackoffMs: 10, maxBackoffMs: 20 });
    workers.push(w);
    w.start();
    return w;
  };

  it('renews the lease of a long job, so a second worker never runs it again', async () => {
    let runs = 0;
    const slow: JobHandler = {
      kind: 'slow',
      run: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 900)); // three leases long
      },
    };
    await enqueueJob(database.db, { kind: 'slow', payload: {}, idempotencyKey: 'slow:1' });
    const a = start([slow]);
    await new Promise((r) => setTimeout(r, 50));
    start([slow]); // a second instance polling the same table
    await a.idle(5000);
    expect(runs).toBe(1);
    expect(await getJobByKey(database.db, 'slow:1')).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('retries failures with backoff, then succeeds', async () => {
    let runs = 0;
    start([
      {
        kind: 'flaky',
        run: async () => {
          if (++runs < 3) throw new Error(`boom ${runs}`);
        },
      },
    ]);
    await enqueueJob(database.db, { kind: 'flaky', payload: {}, idempotencyKey: 'flaky:1' });
    await workers[0]!.idle(5000);
    expect(runs).toBe(3);
    expect(await getJobByKey(database.db, 'flaky:1')).toMatchObject({ status: 'done', attempts: 3, last_error: null });
  });

  it('defers a job that must wait, at no cost to its attempts, and counts it open meanwhile', async () => {
    const outcomes: string[] = [];
    let runs = 0;
    const w = createWorker({
      db: database.db,
      handlers: [
        {
          kind: 'waits',
          run: async () => {
            // Deferred more times than it has attempts: none of it counts against them.
            if (++runs <= 3) throw new DeferJob(150, 'another job first');
          },
        },
      ],
      logger,
      concurrency: 2,
      pollMs: 20,
      onJobFinished: (_kind, outcome) => outcomes.push(outcome),
    });
    workers.push(w);
    await enqueueJob(database.db, { kind: 'waits', payload: {}, idempotencyKey: 'waits:1', maxAttempts: 2 });
    w.start();
    await new Promise((r) => setTimeout(r, 60));
    const waiting = await getJobByKey(database.db, 'waits:1');
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, max_attempts: 3, locked_by: null, last_error: null });
    expect(Date.parse(waiting!.run_at) - Date.parse(waiting!.updated_at)).toBe(150);
    // A deferred job is still work to do: idle() waits for it.
    let idle = false;
    const settled = w.idle(5000).then(() => {
      idle = true;
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(idle).toBe(false);
    await settled;
    expect(runs).toBe(4);
    expect(outcomes).toEqual(['deferred', 'deferred', 'deferred', 'done']);
    expect(await getJobByKey(database.db, 'waits:1')).toMatchObject({ status: 'done', attempts: 4, max_attempts: 5 });
  });

  it('stops at max attempts or a permanent error, and calls onPermanentFailure once', async () => {
    const failures: string[] = [];
    const handler: JobHandler = {
      kind: 'doomed',
      run: async (payload) => {
        throw payload.permanent ? new PermanentJobError('bad data') : new Error('still down');
      },
      onPermanentFailure: async (payload, err) => void failures.push(`${String(payload.n)}: ${err.message}`),
    };
    start([handler]);
    await enqueueJob(database.db, { kind: 'doomed', payload: { n: 1 }, idempotencyKey: 'doomed:1', maxAttempts: 3 });
    await enqueueJob(database.db, { kind: 'doomed', payload: { n: 2, permanent: true }, idempotencyKey: 'doomed:2', maxAttempts: 3 });
    await workers[0]!.idle(5000);
    expect(await getJobByKey(database.db, 'doomed:1')).toMatchObject({ status: 'failed', attempts: 3, last_error: 'still down' });
    expect(await getJobByKey(database.db, 'doomed:2')).toMatchObject({ status: 'failed', attempts: 1, last_error: 'bad data' });
    expect(failures.sort()).toEqual(['1: still down', '2: bad data']);
  });

  it('fails at once on an error whose code is not retryable; backs off and retries one that is', async () => {
    const runs: Record<string, number> = {};
    const failures: string[] = [];
    const handler: JobHandler = {
      kind: 'okta-call',
      run: async (payload) => {
        const n = (runs[String(payload.code)] ?? 0) + 1;
        runs[String(payload.code)] = n;
        // Retryable codes clear up on the third attempt; the others would too, if retried.
        if (n < 3) throw new AppError(payload.code as ErrorCode, `attempt ${n}`);
      },
      onPermanentFailure: async (payload, err) => void failures.push(`${String(payload.code)}: ${err.message}`),
    };
    start([handler]);
    const codes: ErrorCode[] = ['OKTA_ERROR', 'OKTA_AUTH_FAILED', 'OKTA_UNAVAILABLE', 'OKTA_RATE_LIMITED', 'MAIL_FAILED'];
    for (const code of codes) {
      await enqueueJob(database.db, { kind: 'okta-call', payload: { code }, idempotencyKey: `okta-call:${code}`, maxAttempts: 5 });
    }
    await workers[0]!.idle(5000);
    expect(await getJobByKey(database.db, 'okta-call:OKTA_ERROR')).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'attempt 1',
    });
    expect(await getJobByKey(database.db, 'okta-call:OKTA_AUTH_FAILED')).toMatchObject({ status: 'failed', attempts: 1 });
    for (const code of ['OKTA_UNAVAILABLE', 'OKTA_RATE_LIMITED', 'MAIL_FAILED']) {
      expect(await getJobByKey(database.db, `okta-call:${code}`), code).toMatchObject({ status: 'done', attempts: 3, last_error: null });
    }
    expect(runs).toEqual({ OKTA_ERROR: 1, OKTA_AUTH_FAILED: 1, OKTA_UNAVAILABLE: 3, OKTA_RATE_LIMITED: 3, MAIL_FAILED: 3 });
    expect(failures.sort()).toEqual(['OKTA_AUTH_FAILED: attempt 1', 'OKTA_ERROR: attempt 1']);
  });

  it('keeps backing off a retryable AppError until max attempts, then gives up once', async () => {
    const failures: string[] = [];
    start([
      {
        kind: 'outage',
        run: async () => {
          throw new AppError('OKTA_UNAVAILABLE', 'still down', { outcomeUnknown: true });
        },
        onPermanentFailure: async (_payload, err) => void failures.push(err.message),
      },
    ]);
    await enqueueJob(database.db, { kind: 'outage', payload: {}, idempotencyKey: 'outage:1', maxAttempts: 4 });
    await workers[0]!.idle(5000);
    expect(await getJobByKey(database.db, 'outage:1')).toMatchObject({ status: 'failed', attempts: 4, last_error: 'still down' });
    expect(failures).toEqual(['still down']);
  });

  it('a job of an unknown kind fails for good instead of looping', async () => {
    start([]);
    await enqueueJob(database.db, { kind: 'mystery', payload: {}, idempotencyKey: 'mystery:1' });
    await workers[0]!.idle(5000);
    expect(await getJobByKey(database.db, 'mystery:1')).toMatchObject({
      status: 'failed',
      last_error: 'No handler for job kind "mystery"',
    });
  });

  it('runs a lane’s kinds as its admit() allows, apart from the default pool', async () => {
    let room = 0;
    const ran: string[] = [];
    let running = 0;
    let mostRunning = 0;
    const job = (kind: string): JobHandler => ({
      kind,
      run: async () => {
        running++;
        mostRunning = Math.max(mostRunning, running);
        ran.push(kind);
        await new Promise((r) => setTimeout(r, 30));
        running--;
      },
    });
    for (let i = 0; i < 6; i++) await enqueueJob(database.db, { kind: 'laned', payload: {}, idempotencyKey: `laned:${i}` });
    await enqueueJob(database.db, { kind: 'plain', payload: {}, idempotencyKey: 'plain:1' });
    const w = createWorker({
      db: database.db,
      handlers: [job('laned'), job('plain')],
      logger,
      concurrency: 1,
      lanes: [{ kinds: ['laned'], admit: (inLane) => room - inLane }],
      pollMs: 10,
    });
    workers.push(w);
    w.start();
    // No room in the lane: the default pool still runs its job, the lane's wait in the queue.
    await new Promise((r) => setTimeout(r, 150));
    expect(ran).toEqual(['plain']);
    expect(await getJobByKey(database.db, 'laned:0')).toMatchObject({ status: 'pending' });
    // Room for all six at once, more than the pool's one slot.
    mostRunning = 0;
    room = 6;
    await w.idle(5000);
    expect(ran.filter((k) => k === 'laned')).toHaveLength(6);
    expect(mostRunning).toBe(6);
  });
});
