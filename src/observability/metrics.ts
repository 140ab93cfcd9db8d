/**
 * resetdesk's Prometheus metrics (prom-client). Each running resetdesk has its own registry, not
 * prom-client's global one: tests and benchmarks start several in one process. Code elsewhere
 * reports through the few methods of `Metrics` (small hooks); the gauges are computed when
 * scraped. Labels only take bounded values — channels, outcomes, rule ids, Okta buckets, job
 * kinds, email templates — never emails, ids or free text.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OktaCallObserver, OktaRateBudget } from '../connectors/okta/index.js';
import type { Db } from '../db/database.js';
import { ALL_EMAIL_TEMPLATES } from '../domain/email-templates.js';
import { JOB_KINDS } from '../jobs/job-kinds.js';
import type { JobOutcome } from '../jobs/worker.js';
import { readQueueDepth } from './queue-depth.js';

/** The channels a request is filed through; anything else is counted as `other`. */
const CHANNELS = ['api', 'web', 'slack', 'teams', 'intake'] as const;

/** A decision, as the applier reports it once it committed. */
interface AppliedDecision {
  source: 'engine' | 'human';
  outcome: string;
  /** The engine's rule id; `approver` for a person's decision. */
  rule: string;
  /** Request created → decision applied. */
  latencySeconds: number;
  /** The part of it spent waiting for Okta during triage (engine decisions), when known. */
  oktaSeconds?: number;
}

/** What the scrape-time gauges read: set once the parts exist (app.ts). */
interface MetricSources {
  db: Db;
  rateLimits(): OktaRateBudget[];
}

export interface Metrics {
  /** The per-instance registry (the process metrics included). */
  readonly registry: Registry;
  /** The exposition format's media type. */
  readonly contentType: string;
  /** Hand to the Okta connector: every call's operation, status and duration. */
  readonly okta: OktaCallObserver;
  requestFiled(channel: string): void;
  decisionApplied(decision: AppliedDecision): void;
  emailSent(template: string): void;
  /** One attempt to hand an email to SMTP failed (it may be retried). */
  emailFailed(template: string): void;
  reminderFired(audience: 'approvers' | 'backup'): void;
  /** A job attempt ended (the worker's onJobFinished): done, put back for a retry, deferred, or failed for good. */
  jobFinished(kind: string, outcome: JobOutcome, seconds: number): void;
  /** Where the gauges read from; until set, they report nothing. */
  watch(sources: MetricSources): void;
  /** Refreshes the gauges (one query over the jobs table) and renders the registry. */
  scrape(): Promise<string>;
}

/** From 10 ms (a triage with a warm Okta) to a day (an approver's decision). */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const OKTA_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const filed = new Counter({
    name: 'resetdesk_requests_filed_total',
    help: 'Password-reset requests filed, by channel',
    labelNames: ['channel'] as const,
    registers,
  });
  for (const channel of CHANNELS) filed.labels(channel).inc(0);
  const decided = new Counter({
    name: 'resetdesk_decisions_total',
    help: 'Decisions applied, by source (engine, human), outcome and rule id',
    labelNames: ['source', 'outcome', 'rule'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'resetdesk_decision_latency_seconds',
    help: 'Request created to decision applied, by source (engine, human)',
    labelNames: ['source'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const overhead = new Histogram({
    name: 'resetdesk_decision_overhead_seconds',
    help: "Engine decisions: request created to decision applied, less the time triage's Okta calls took",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const oktaCalls = new Counter({
    name: 'resetdesk_okta_calls_total',
    help: 'Okta API calls (every attempt), by operation (method and path template) and HTTP status (or error)',
    labelNames: ['operation', 'status'] as const,
    registers,
  });
  const oktaDuration = new Histogram({
    name: 'resetdesk_okta_call_duration_seconds',
    help: 'Okta API call duration (every attempt), by operation',
    labelNames: ['operation'] as const,
    buckets: OKTA_BUCKETS,
    registers,
  });
  const okta429 = new Counter({
    name: 'resetdesk_okta_rate_limited_total',
    help: '429 answers received from Okta, by operation',
    labelNames: ['operation'] as const,
    registers,
  });
  const oktaRemaining = new Gauge({
    name: 'resetdesk_okta_rate_limit_remaining',
    help: "Okta's X-Rate-Limit-Remaining as last answered, by rate-limit bucket (method and path template)",
    labelNames: ['bucket'] as const,
    registers,
  });
  const jobsDue = new Gauge({
    name: 'resetdesk_jobs_due',
    help: 'Pending jobs that are due (the queue), by kind',
    labelNames: ['kind'] as const,
    registers,
  });
  const jobsRunning = new Gauge({
    name: 'resetdesk_jobs_running',
    help: 'Jobs a worker holds, by kind',
    labelNames: ['kind'] as const,
    registers,
  });
  const oldestDue = new Gauge({
    name: 'resetdesk_jobs_oldest_due_age_seconds',
    help: 'How long the oldest due job has been due, by kind (0 when none is)',
    labelNames: ['kind'] as const,
    registers,
  });
  const emailsSent = new Counter({
    name: 'resetdesk_emails_sent_total',
    help: 'Emails handed to SMTP, by template',
    labelNames: ['template'] as const,
    registers,
  });
  const emailsFailed = new Counter({
    name: 'resetdesk_emails_failed_total',
    help: 'Attempts to hand an email to SMTP that failed, by template',
    labelNames: ['template'] as const,
    registers,
  });
  for (const template of ALL_EMAIL_TEMPLATES) {
    emailsSent.labels(template).inc(0);
    emailsFailed.labels(template).inc(0);
  }
  const reminders = new Counter({
    name: 'resetdesk_escalation_reminders_total',
    help: 'Escalation reminders fired, by audience (approvers, backup)',
    labelNames: ['audience'] as const,
    registers,
  });

  const jobKinds = new Set<string>(Object.values(JOB_KINDS));
  const jobs = new Counter({
    name: 'resetdesk_job_attempts_total',
    help: 'Background job attempts, by kind and outcome (done, retry, deferred, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const jobSeconds = new Histogram({
    name: 'resetdesk_job_duration_seconds',
    help: 'Background job attempts, how long each ran, by kind',
    labelNames: ['kind'] as const,
    buckets: OKTA_BUCKETS,
    registers,
  });

  let sources: MetricSources | undefined;

  async function refreshGauges(): Promise<void> {
    if (!sources) return;
    const rows = await readQueueDepth(sources.db);
    for (const gauge of [jobsDue, jobsRunning, oldestDue]) gauge.reset();
    // Every kind reports, 0 included, so an alert on a kind sees a series before its first job.
    for (const kind of Object.values(JOB_KINDS)) {
      jobsDue.labels(kind).set(0);
      jobsRunning.labels(kind).set(0);
      oldestDue.labels(kind).set(0);
    }
    for (const row of rows) {
      jobsDue.labels(row.kind).set(row.due);
      jobsRunning.labels(row.kind).set(row.running);
      oldestDue.labels(row.kind).set(row.oldestDueAgeSeconds);
    }
    oktaRemaining.reset();
    for (const budget of sources.rateLimits()) {
      if (budget.remaining !== null) oktaRemaining.labels(budget.bucket).set(budget.remaining);
    }
  }

  return {
    registry,
    contentType: registry.contentType,
    okta: {
      onAttempt(operation, status, durationMs) {
        oktaCalls.labels(operation, String(status)).inc();
        oktaDuration.labels(operation).observe(durationMs / 1000);
        if (status === 429) okta429.labels(operation).inc();
      },
    },
    requestFiled(channel) {
      filed.labels((CHANNELS as readonly string[]).includes(channel) ? channel : 'other').inc();
    },
    decisionApplied(d) {
      decided.labels(d.source, d.outcome, d.rule).inc();
      latency.labels(d.source).observe(d.latencySeconds);
      if (d.oktaSeconds !== undefined) overhead.observe(Math.max(0, d.latencySeconds - d.oktaSeconds));
    },
    emailSent: (template) => emailsSent.labels(template).inc(),
    emailFailed: (template) => emailsFailed.labels(template).inc(),
    reminderFired: (audience) => reminders.labels(audience).inc(),
    jobFinished: (kind, outcome, seconds) => {
      const k = jobKinds.has(kind) ? kind : 'other';
      jobs.labels(k, outcome).inc();
      jobSeconds.labels(k).observe(seconds);
    },
    watch(s) {
      sources = s;
    },
    async scrape() {
      await refreshGauges();
      return registry.metrics();
    },
  };
}
