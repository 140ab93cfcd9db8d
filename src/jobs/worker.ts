import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Db, DialectName } from '../db/database.js';
import {
  claimDueJobs,
  completeJob,
  countOpenJobs,
  deferJob,
  type KindFilter,
  releaseJob,
  releaseLeases,
  renewLease,
} from '../db/repositories/job.repository.js';
import type { JobRow } from '../db/schema.js';
import { isAppError, isRetryable } from '../errors/error-codes.js';

/**
 * Thrown by a handler when retrying cannot help and no error code says so (bad data). An
 * AppError whose code is not retryable (e.g. Okta refusing a reset) is permanent the same way.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
  /** Read by isRetryable. */
  readonly retryable = false;
}

/**
 * Thrown by a handler whose job cannot start yet for a reason that is no failure — another job
 * must finish first (e.g. another request's reset of the same Okta user). The job waits `waitMs`
 * and runs again; the wait is not counted against its attempts (deferJob).
 */
export class DeferJob extends Error {
  override name = 'DeferJob';
  constructor(
    readonly waitMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

export interface JobHandler {
  kind: string;
  run(payload: Record<string, unknown>, job: JobRow): Promise<void>;
  /**
   * Called once when the job has failed for good — a non-retryable error (see isRetryable) or
   * the last attempt — to move its request to a sensible status.
   */
  onPermanentFailure?(payload: Record<string, unknown>, error: Error, job: JobRow): Promise<void>;
}

/**
 * Jobs of some kinds run in a lane of their own, sized by something other than a pool: triage
 * by Okta's rate budget (app.ts). Their slots are not taken from `concurrency`, and the default
 * lane's jobs (emails, resets, tickets) are not held up behind them.
 */
interface WorkerLane {
  kinds: readonly string[];
  /** How many more of the lane's jobs may start now, given how many run; read before every claim. */
  admit(running: number): number;
}

export interface WorkerOptions {
  db: Db;
  handlers: JobHandler[];
  logger: Logger;
  /** Jobs of the default lane (every kind not in `lanes`) running at once. */
  concurrency: number;
  lanes?: WorkerLane[];
  pollMs: number;
  /**
   * How long a claim lasts; a crashed worker's jobs are picked up again after it. Short (10 s by
   * default), because the live holder renews it every third of it while the job runs.
   */
  leaseMs?: number;
  /** PostgreSQL claims with SKIP LOCKED (claimDueJobs); SQLite with conditional updates. */
  dialect?: DialectName;
  /** Told when each attempt ends (metrics), with how it ended (JobOutcome). */
  onJobFinished?(kind: string, outcome: JobOutcome, seconds: number): void;
  /** First retry delay; doubles per attempt, capped at maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

/** How an attempt ended: done, put back for a retry, deferred (DeferJob), or failed for good. */
export type JobOutcome = 'done' | 'retry' | 'deferred' | 'failed';

/** A lane running at least this many jobs claims again only once this many slots are free. */
const REFILL_BATCH = 8;

export interface Worker {
  readonly id: string;
  start(): void;
  /**
   * Stops claiming and waits for the jobs in hand to finish — at most `drainMs` when given. Jobs
   * still running then are released (their leases end now) so another instance takes them at
   * once rather than after the lease; the process is expected to exit right after.
   */
  stop(drainMs?: number): Promise<void>;
  /** Polls now instead of at the next tick (called after enqueueing). */
  wake(): void;
  /** Claims and runs due jobs once; returns how many ran. */
  runOnce(): Promise<number>;
  /**
   * Resolves when no job is running, due or waiting to retry (tests, scenario runs, benchmarks).
   * Timers set for later (escalation reminders) do not count until the clock reaches them.
   */
  idle(timeoutMs?: number): Promise<void>;
}

/**
 * Background work, claimed from the jobs table by one instance at a time. Handlers must be
 * idempotent per job: a job whose worker crashed mid-way runs again once its lease expires.
 */
export function createWorker(opts: WorkerOptions): Worker {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const handlers = new Map(opts.handlers.map((h) => [h.kind, h]));
  const leaseMs = opts.leaseMs ?? 10_000;
  const baseBackoff = opts.baseBackoffMs ?? 1_000;
  const maxBackoff = opts.maxBackoffMs ?? 5 * 60_000;
  const log = opts.logger.child({ worker: id });
  const tracer = trace.getTracer('resetdesk');
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let loop: Promise<void> | null = null;
  let again = false;

  /**
   * Each attempt is a trace of its own (when tracing is on, observability/tracing.ts): its Okta
   * calls, their HTTP requests and its queries hang under one `job <kind>` span. Without an
   * OpenTelemetry SDK registered these calls do nothing.
   */
  function execute(job: JobRow): Promise<void> {
    return tracer.startActiveSpan(
      `job ${job.kind}`,
      { root: true, attributes: { 'resetdesk.job.kind': job.kind, 'resetdesk.job.attempt': job.attempts } },
      async (span) => {
        try {
          const outcome = await attempt(job);
          if (outcome === 'retry' || outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        } finally {
          span.end();
        }
      },
    );
  }

  async function attempt(job: JobRow): Promise<JobOutcome> {
    const handler = handlers.get(job.kind);
    const payload = JSON.parse(job.payload_json) as Record<string, unknown>;
    // A job may outlive its lease (e.g. waiting out an Okta rate limit); renewing it keeps
    // another instance from claiming the job and repeating its side effect meanwhile.
    const heartbeat = setInterval(() => {
      renewLease(opts.db, job.id, id, leaseMs).then(
        (held) => held || log.error({ jobId: job.id }, 'lost the lease of a running job'),
        (err: Error) => log.warn({ jobId: job.id, err: err.message }, 'lease renewal failed'),
      );
    }, leaseMs / 3);
    const started = performance.now();
    const finished = (outcome: JobOutcome) => opts.onJobFinished?.(job.kind, outcome, (performance.now() - started) / 1000);
    try {
      if (!handler) throw new PermanentJobError(`No handler for job kind "${job.kind}"`);
      await handler.run(payload, job);
      await completeJob(opts.db, job.id, id);
      finished('done');
      return 'done';
    } catch (err) {
      if (err instanceof DeferJob) {
        log.info({ jobId: job.id, kind: job.kind, reason: err.message, waitMs: err.waitMs }, 'job deferred');
        await deferJob(opts.db, job.id, id, err.waitMs);
        finished('deferred');
        return 'deferred';
      }
      const error = err instanceof Error ? err : new Error(String(err));
      // A refusal fails at once; an outage, a rate limit or an unexpected error backs off.
      const retryable = isRetryable(err);
      const permanent = !retryable || job.attempts >= job.max_attempts;
      const retryInMs = permanent ? null : Math.min(maxBackoff, baseBackoff * 2 ** (job.attempts - 1));
      const code = isAppError(err) ? err.code : undefined;
      log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, code, retryable, err: error.message, retryInMs }, 'job failed');
      // While this worker still holds the job: the follow-up work it enqueues is visible before
      // the job stops counting as open, and a crash here re-runs the job rather than losing it.
      if (permanent && handler?.onPermanentFailure) {
        await handler
          .onPermanentFailure(payload, error, job)
          .catch((e: unknown) => log.error({ jobId: job.id, err: (e as Error).message }, 'permanent-failure handler failed'));
      }
      await releaseJob(opts.db, job.id, id, { error: error.message, retryInMs });
      finished(permanent ? 'failed' : 'retry');
      return permanent ? 'failed' : 'retry';
    } finally {
      clearInterval(heartbeat);
    }
  }

  const active = new Set<Promise<void>>();
  const laneKinds = (opts.lanes ?? []).flatMap((l) => l.kinds);
  const lanes: { kinds: KindFilter; admit: (running: number) => number; inFlight: number }[] = [
    ...(opts.lanes ?? []).map((l) => ({ kinds: { only: l.kinds }, admit: l.admit, inFlight: 0 })),
    { kinds: { except: laneKinds }, admit: (running: number) => opts.concurrency - running, inFlight: 0 },
  ];

  /** Claims as many due jobs as each lane has free slots and starts them. */
  async function fill(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    for (const lane of lanes) {
      const free = Math.floor(lane.admit(lane.inFlight));
      if (!(free > 0) || !Number.isFinite(free)) continue;
      // A busy lane refills in batches: each claim ranks every due job (fair order), so claiming
      // one at a time as slots free up made the claim a tenth of a saturated worker's CPU.
      if (lane.inFlight >= REFILL_BATCH && free < REFILL_BATCH) continue;
      lane.inFlight += free; // reserve the slots while claiming, so a concurrent fill cannot overbook
      let jobs: JobRow[] = [];
      try {
        jobs = await claimDueJobs(opts.db, id, {
          limit: free,
          leaseMs,
          kinds: lane.kinds,
          ...(opts.dialect ? { dialect: opts.dialect } : {}),
        });
      } finally {
        lane.inFlight -= free - jobs.length;
      }
      for (const job of jobs) {
        const p = execute(job).finally(() => {
          lane.inFlight--;
          active.delete(p);
          wake(); // a slot is free: look for more work now rather than at the next poll
        });
        active.add(p);
        started.push(p);
      }
    }
    return started;
  }

  async function runOnce(): Promise<number> {
    const started = await fill();
    await Promise.all(started);
    return started.length;
  }

  function schedule(delay: number): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    // A wake() from an HTTP handler would otherwise carry that request's trace context into
    // the loop, and every job after it would join that trace.
    timer = setTimeout(context.bind(ROOT_CONTEXT, tick), delay);
  }

  function wake(): void {
    if (!running) return;
    if (loop) again = true;
    else schedule(0);
  }

  function tick(): void {
    timer = null;
    if (!running) return;
    if (loop) {
      again = true;
      return;
    }
    loop = (async () => {
      try {
        // Keep claiming while it finds work; then sleep until the next poll or a wake().
        do again = false;
        while (running && ((await fill()).length > 0 || again));
      } catch (err) {
        log.error({ err: (err as Error).message }, 'worker poll failed');
      } finally {
        loop = null;
        schedule(opts.pollMs);
      }
    })();
  }

  return {
    id,
    start() {
      if (running) return;
      running = true;
      log.debug('worker started');
      schedule(0);
    },
    async stop(drainMs?: number) {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      if (loop) await loop;
      const drained = Promise.allSettled([...active]).then(() => true);
      if (drainMs === undefined) {
        await drained;
        return;
      }
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        deadline = setTimeout(() => resolve(false), drainMs);
      });
      const finished = await Promise.race([drained, timedOut]);
      clearTimeout(deadline);
      if (!finished) {
        const released = await releaseLeases(opts.db, id);
        log.warn({ released, drainMs }, 'jobs still running at shutdown were released to other instances');
      }
    },
    wake,
    runOnce,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await countOpenJobs(opts.db)) > 0) {
        if (Date.now() > deadline) throw new Error(`jobs still open after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
