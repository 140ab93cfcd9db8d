import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resetdesk, startResetdesk } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { enqueueJob } from '../src/db/repositories/job.repository.js';
import { JOB_KINDS } from '../src/jobs/job-kinds.js';
import { nowMs, setClock, testClock } from '../src/time.js';
import { PROJECT_ROOT } from '../src/version.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

const METRICS_TOKEN = 'metrics-scraper-secret-for-tests-0123456789';

/** One sample of the exposition format: `name{label="value",…} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scrape, parsed: the metric families it declares (`# TYPE`) and its samples. */
interface Scrape {
  types: Map<string, string>;
  samples: Sample[];
}

/** Parses Prometheus' text format (what prom-client writes: no timestamps, escaped label values). */
function parseExposition(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { types, samples };
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** GET /metrics with a bearer token, or none. */
async function fetchMetrics(t: { url: string }, token: string | undefined) {
  const res = await fetch(`${t.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

async function scrape(t: TestContext): Promise<Scrape> {
  const res = await fetchMetrics(t, METRICS_TOKEN);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return parseExposition(res.text);
}

describe.each(DIALECTS)('metrics on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestContext(dialect, { policy: NO_COOLDOWN, env: { METRICS_TOKEN } });
    alice = await t.token('alice@example.com');
    admin = await t.token('root@example.com', 'admin');
  });
  afterAll(async () => t?.close());

  it('counts requests filed and decided, the decision latency, Okta calls and emails', async () => {
    await t.idle();
    const before = await scrape(t);
    t.sandbox.clearCalls();
    t.mailbox.clear();

    const swa = await t.create(alice, { app: 'Expensify', justification: 'forgot it' });
    const federated = await t.create(alice, { app: 'Salesforce', justification: 'forgot it' });
    expect([swa.status, federated.status]).toEqual([201, 201]);
    await t.idle();
    const escalated = await t.waitForStatus(federated.data!.request_id, alice, ['Escalated']);
    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

    expect(delta('resetdesk_requests_filed_total', { channel: 'api' })).toBe(2);
    expect(delta('resetdesk_requests_filed_total', { channel: 'web' })).toBe(0);
    expect(delta('resetdesk_decisions_total', { source: 'engine', outcome: 'Approved', rule: 'swa_self_service' })).toBe(1);
    expect(escalated.ruleId).toEqual(expect.any(String));
    expect(delta('resetdesk_decisions_total', { source: 'engine', outcome: 'Escalated', rule: escalated.ruleId! })).toBe(1);
    expect(delta('resetdesk_decisions_total')).toBe(2);
    expect(delta('resetdesk_decision_latency_seconds_count', { source: 'engine' })).toBe(2);
    expect(delta('resetdesk_decision_overhead_seconds_count')).toBe(2);
    // The overhead leaves out the triage's Okta calls (read from its Tool Call log): less than the latency.
    expect(delta('resetdesk_decision_overhead_seconds_sum')).toBeLessThan(
      delta('resetdesk_decision_latency_seconds_sum', { source: 'engine' }),
    );
    expect(delta('resetdesk_decision_overhead_seconds_sum')).toBeGreaterThan(0);
    // Every triage decided within the largest finite bucket.
    expect(delta('resetdesk_decision_latency_seconds_bucket', { source: 'engine', le: '86400' })).toBe(2);

    // Every call the sandbox answered, by operation and status; the durations as many.
    const calls = t.sandbox.calls();
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(delta('resetdesk_okta_calls_total')).toBe(calls.length);
    expect(delta('resetdesk_okta_call_duration_seconds_count')).toBe(calls.length);
    const lookups = calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/users' && c.status === 200).length;
    expect(lookups).toBe(2);
    expect(delta('resetdesk_okta_calls_total', { operation: 'GET /api/v1/users', status: '200' })).toBe(lookups);
    expect(delta('resetdesk_okta_calls_total', { status: '429' })).toBe(0);

    // Emails: the reset link to alice, the escalation notice, and the approvers' notices.
    const sent = t.mailbox.messages().length;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(delta('resetdesk_emails_sent_total')).toBe(sent);
    expect(delta('resetdesk_emails_sent_total', { template: 'reset_link' })).toBe(1);
    expect(delta('resetdesk_emails_failed_total')).toBe(0);
    // Job attempts: every email job ended done, once each; nothing failed for good.
    expect(delta('resetdesk_job_attempts_total', { kind: 'send-email', outcome: 'done' })).toBe(sent);
    expect(delta('resetdesk_job_attempts_total', { kind: 'triage-request', outcome: 'done' })).toBeGreaterThanOrEqual(2);
    expect(delta('resetdesk_job_attempts_total', { outcome: 'failed' })).toBe(0);

    // The rate-limit gauge is what Okta's last answer on each bucket said.
    const budgets = t.app.ctx.okta.rateLimits().filter((b) => b.remaining !== null);
    expect(budgets.length).toBeGreaterThan(0);
    for (const b of budgets) {
      expect(total(after, 'resetdesk_okta_rate_limit_remaining', { bucket: b.bucket }), b.bucket).toBe(b.remaining);
    }

    // An approver's decision: counted apart from the engine's, with its own latency.
    const approved = await t.decide(escalated.request_id, admin, 'approve');
    expect(approved.status).toBe(200);
    await t.idle();
    const decided = await scrape(t);
    expect(total(decided, 'resetdesk_decisions_total', { source: 'human', outcome: 'Approved', rule: 'approver' })).toBe(
      total(after, 'resetdesk_decisions_total', { source: 'human', outcome: 'Approved', rule: 'approver' }) + 1,
    );
    expect(total(decided, 'resetdesk_decision_latency_seconds_count', { source: 'human' })).toBe(
      total(after, 'resetdesk_decision_latency_seconds_count', { source: 'human' }) + 1,
    );
  });

  it('reports the job queue: nothing due when idle, a due job with its age', async () => {
    await t.idle();
    const idle = await scrape(t);
    expect(total(idle, 'resetdesk_jobs_due')).toBe(0);
    expect(total(idle, 'resetdesk_jobs_running')).toBe(0);
    expect(total(idle, 'resetdesk_jobs_oldest_due_age_seconds')).toBe(0);
    // Every kind reports, so an alert has a series before the kind's first job.
    expect(idle.samples.filter((s) => s.name === 'resetdesk_jobs_due').map((s) => s.labels.kind)).toEqual(
      expect.arrayContaining(Object.values(JOB_KINDS)),
    );

    // With the worker stopped, a job due a minute ago waits in the queue.
    await t.app.worker.stop();
    try {
      await enqueueJob(t.app.ctx.db, {
        kind: JOB_KINDS.waitingTimeout,
        payload: { requestId: 'req_metrics_test', questionId: 'q_metrics_test' },
        idempotencyKey: `metrics-test:${dialect}`,
        runAt: new Date(nowMs() - 60_000),
      });
      const pending = await scrape(t);
      expect(total(pending, 'resetdesk_jobs_due', { kind: JOB_KINDS.waitingTimeout })).toBe(1);
      expect(total(pending, 'resetdesk_jobs_due')).toBe(1);
      const age = total(pending, 'resetdesk_jobs_oldest_due_age_seconds', { kind: JOB_KINDS.waitingTimeout });
      expect(age).toBeGreaterThanOrEqual(60);
      expect(age).toBeLessThan(120);
    } finally {
      t.app.worker.start();
    }
    // The worker takes it (no such request: nothing to do) and the queue is empty again.
    await t.idle();
    expect(total(await scrape(t), 'resetdesk_jobs_due')).toBe(0);
  });

  it('counts an escalation reminder fired when the approvers have not answered in time', async () => {
    const clock = testClock();
    setClock(clock);
    try {
      const created = await t.create(alice, { app: 'Salesforce', justification: 'still locked out' });
      expect(created.status).toBe(201);
      await t.waitForStatus(created.data!.request_id, alice, ['Escalated']);
      await t.idle();
      const before = await scrape(t);
      clock.advance((t.app.ctx.policy.escalation.slaHours + 1) * 3_600_000);
      t.app.ctx.wakeWorker();
      await t.idle();
      const after = await scrape(t);
      const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
      expect(delta('resetdesk_escalation_reminders_total', { audience: 'approvers' })).toBe(1);
      expect(delta('resetdesk_emails_sent_total', { template: 'approver_reminder' })).toBeGreaterThan(0);
    } finally {
      setClock(null);
    }
  });

  it('answers in the text format, to METRICS_TOKEN and admins only', async () => {
    const ok = await fetchMetrics(t, METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parseExposition(ok.text);
    // prom-client's process metrics, on this instance's registry.
    expect(parsed.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(parsed.types.get('resetdesk_decision_latency_seconds')).toBe('histogram');

    expect((await fetchMetrics(t, admin)).status).toBe(200);
    for (const [token, status] of [
      [undefined, 401],
      ['metrics-scraper-secret-for-tests-012345678X', 401],
      [alice, 403],
      [await t.token('irene@example.com', 'approver'), 403],
    ] as const) {
      const res = await fetchMetrics(t, token);
      expect(res.status, String(token)).toBe(status);
      expect(res.text).not.toContain('resetdesk_');
      expect(errorOf({ body: JSON.parse(res.text) })?.code).toBe(status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
    }
  });

  it('the Grafana dashboard queries only metrics a real scrape has', async () => {
    const dashboard = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      schemaVersion: number;
      __inputs: { name: string; type: string; pluginId: string }[];
      panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }));
    const { types } = await scrape(t);
    const queried = new Set<string>();
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import input, written literally in the JSON.
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        for (const [name] of target.expr.matchAll(/\b(?:resetdesk|process|nodejs)_[a-z0-9_]+/g)) queried.add(name);
      }
    }
    const missing = [...queried].filter((name) => {
      if (types.has(name)) return false;
      // A histogram is queried through its series.
      const base = name.replace(/_(bucket|count|sum)$/, '');
      return types.get(base) !== 'histogram';
    });
    expect(missing).toEqual([]);
    for (const name of [
      'resetdesk_decisions_total',
      'resetdesk_decision_latency_seconds_bucket',
      'resetdesk_okta_calls_total',
      'resetdesk_okta_rate_limit_remaining',
      'resetdesk_okta_rate_limited_total',
      'resetdesk_jobs_due',
      'resetdesk_jobs_oldest_due_age_seconds',
      'resetdesk_emails_sent_total',
      'resetdesk_emails_failed_total',
    ]) {
      expect(queried, name).toContain(name);
    }
  });
});

/** Okta with a tight rate limit, and a mail server that refuses every recipient (550). */
describe.each(DIALECTS)("Okta's 429s and refused emails on %s", (dialect) => {
  let t: TestContext;
  let smtp: SMTPServer;
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    t = await startTestContext(dialect, {
      sandboxRateLimit: { limit: 2, windowSeconds: 1 },
      env: { METRICS_TOKEN, SMTP_URL: `smtp://127.0.0.1:${port}` },
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('draws no 429 of its own making; counts every 429 Okta sends when another client spent the budget', async () => {
    const before = await scrape(t);
    t.sandbox.clearCalls();
    const usersCalls = () => t.sandbox.calls().filter((c) => c.path === '/api/v1/users');
    // First in this suite, so Okta's budget is not known yet: a burst of five (the limit is two a
    // second) goes one call first, the rest after its answer and then window by window.
    const found = await Promise.all(Array.from({ length: 5 }, () => t.app.ctx.okta.findUser('alice@example.com')));
    expect(found.map((f) => f.kind)).toEqual(Array(5).fill('found'));
    expect(usersCalls().map((c) => c.status)).toEqual(Array(5).fill(200));

    // Another Okta client (same org, same bucket) spends what resetdesk believes is left: Okta
    // refuses resetdesk's next call with a 429, and the connector retries after the reset. Tried
    // again if the one-second window turned over in between (then nothing was refused).
    let refused = 0;
    for (let attempt = 0; attempt < 10 && refused === 0; attempt++) {
      const budget = t.app.ctx.okta.rateLimits().find((b) => b.bucket === 'GET /api/v1/users');
      const resetAt = budget?.resetAt ? Date.parse(budget.resetAt) : 0;
      if (!budget?.remaining || resetAt - Date.now() < 400) {
        await t.app.ctx.okta.findUser('alice@example.com'); // a fresh window, and its budget
        continue;
      }
      for (let spent = 0; spent < 5; spent++) {
        const res = await fetch(`${t.sandbox.url}/api/v1/users?filter=other-client`, {
          headers: { authorization: `SSWS ${t.sandbox.apiToken}` },
        });
        await res.arrayBuffer();
        if (res.status === 429) break;
      }
      const mark = usersCalls().length;
      expect((await t.app.ctx.okta.findUser('alice@example.com')).kind).toBe('found');
      refused = usersCalls()
        .slice(mark)
        .filter((c) => c.status === 429 && c.query.filter !== 'other-client').length;
    }
    expect(refused).toBeGreaterThan(0);
    const ours = usersCalls().filter((c) => c.query.filter !== 'other-client');
    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    const ours429 = ours.filter((c) => c.status === 429).length;
    expect(delta('resetdesk_okta_rate_limited_total', { operation: 'GET /api/v1/users' })).toBe(ours429);
    expect(delta('resetdesk_okta_calls_total', { operation: 'GET /api/v1/users', status: '429' })).toBe(ours429);
    expect(delta('resetdesk_okta_calls_total', { operation: 'GET /api/v1/users', status: '200' })).toBe(
      ours.filter((c) => c.status === 200).length,
    );
    expect(total(after, 'resetdesk_okta_rate_limit_remaining', { bucket: 'GET /api/v1/users' })).toBeLessThanOrEqual(2);
  });

  it('counts an email the mail server refused, by template, and none sent', async () => {
    const before = await scrape(t);
    const alice = await t.token('alice@example.com');
    expect((await t.create(alice, { app: 'Expensify', justification: 'x' })).status).toBe(201);
    await t.idle();
    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
    // Refused for good (550): one attempt, then the job fails.
    expect(delta('resetdesk_emails_failed_total', { template: 'reset_link' })).toBe(1);
    expect(delta('resetdesk_emails_failed_total')).toBe(1);
    expect(delta('resetdesk_emails_sent_total')).toBe(0);
  });
});

/**
 * The demo (`resetdesk serve` without OKTA_ORG_URL: the embedded sandbox, a loopback HOST) opens
 * the metrics like the dev mailbox. SQLite only: nothing here depends on the database.
 */
describe('metrics in the demo', () => {
  let database: TestDatabase;
  let app: Resetdesk;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    app = await startResetdesk(loadConfig({ DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent' }), { worker: false });
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('are open on a loopback HOST, without a token', async () => {
    expect(app.ctx.config.okta.kind).toBe('sandbox');
    const res = await fetchMetrics(app, undefined);
    expect(res.status).toBe(200);
    expect(parseExposition(res.text).types.get('resetdesk_requests_filed_total')).toBe('counter');
  });
});
