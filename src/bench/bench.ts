/**
 * resetdesk benchmark (`npm run bench`; see docs/benchmarks.md).
 *
 * For each added Okta latency, starts resetdesk on a fresh database against the Okta sandbox and
 * the dev mailbox (both in a worker thread, over HTTP and SMTP), submits BENCH_REQUESTS requests over
 * the HTTP API, waits until all background work is done, and reads from the database:
 *   - e2e decision latency = decided_at − created_at of each request (both ISO timestamps written
 *     by the server: created_at in the POST's transaction, decided_at when triage decides);
 *   - the Okta critical path of each request from its Tool Call audit events' durationMs:
 *     okta.findUser + the slowest of the parallel detail calls (getApp, isAssigned, roles,
 *     groups, factors);
 *   - decision overhead = e2e latency − Okta critical path.
 * Two loads per latency, each on its own fresh database:
 *   - open:  all requests submitted by BENCH_CLIENTS concurrent HTTP clients without waiting for
 *            decisions: throughput at saturation; latency then includes time queued for a worker.
 *   - paced: for each K in BENCH_INFLIGHT (default 1,4), K clients that each wait for their decision before sending the
 *            next (fewer in flight than worker slots): latency and overhead without queueing.
 * Every request's rule is checked against the one the bench org expects; a mismatch exits 1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { type Resetdesk, startResetdesk } from '../app.js';
import { loadConfig } from '../config/config.js';
import { upsertApps } from '../db/repositories/app.repository.js';
import { listAuditEvents } from '../db/repositories/audit.repository.js';
import { getRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import { createApiToken } from '../db/repositories/token.repository.js';
import { createScratchDatabase } from '../db/scratch-database.js';
import { BENCH_CATALOG, BENCH_USERS, type BenchRequest, benchFixture, benchRequests } from './bench-org.js';
import type { SandboxThreadData, SandboxThreadReply, SandboxThreadRequest } from './sandbox-thread.js';

const UNLIMITED = {
  RATE_LIMIT_PER_IP: '0',
  RATE_LIMIT_PER_TOKEN: '0',
  RATE_LIMIT_PER_INTAKE_TOKEN: '0',
  REQUESTS_PER_PERSON_PER_HOUR: '0',
  OPEN_REQUESTS_PER_PERSON: '0',
  // A few bench users file the same app again and again: each one is a new request to decide.
  DUPLICATE_REQUESTS: 'allow',
};

/** The default policy but for the reset cooldown, which would refuse the bench users' repeats. */
function benchPolicyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'resetdesk-bench-')), 'policy.yaml');
  writeFileSync(path, JSON.stringify({ version: 'bench', cooldown: { maxResets: 0 } }));
  return path;
}

/** open: `clients` HTTP clients submit everything at once; paced: `inFlight` clients each wait for their decision. */
type Load = { kind: 'open'; clients: number } | { kind: 'paced'; inFlight: number };
type Dialect = 'sqlite' | 'postgres';

interface Settings {
  requests: number;
  concurrency: number;
  clients: number;
  inFlight: number[];
  latencies: number[];
  warmup: number;
  postgresUrl: string | undefined;
}

interface Row {
  dialect: Dialect;
  latencyMs: number;
  load: Load;
  n: number;
  decidedPerSec: number;
  e2eP50: number;
  e2eP99: number;
  oktaPathP50: number;
  overheadP50: number;
  overheadP99: number;
  oktaCallsPerRequest: number;
  outcomes: Record<string, number>;
  seconds: number;
}

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return value;
}

function intList(name: string, fallback: string, min: number, max: number): number[] {
  const raw = process.env[name]?.trim() || fallback;
  return raw.split(',').map((part) => {
    const v = Number(part.trim());
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name}: "${part}" is not an integer from ${min} to ${max}`);
    return v;
  });
}

function settings(): Settings {
  const latencies = intList('BENCH_LATENCIES', '0,100', 0, 5000);
  const postgresUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl))
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL (an admin connection; a fresh database is created per run)');
  const concurrency = envInt('BENCH_CONCURRENCY', 16, 1, 64);
  return {
    requests: envInt('BENCH_REQUESTS', 200, 1, 100_000),
    concurrency,
    clients: envInt('BENCH_CLIENTS', 16, 1, 1000),
    inFlight: intList('BENCH_INFLIGHT', '1,4', 1, 1000),
    latencies,
    warmup: envInt('BENCH_WARMUP', 20, 0, 10_000),
    postgresUrl,
  };
}

// ---------------------------------------------------------------------------------------------
// Parts of one run

/** The Okta sandbox and the SMTP dev mailbox, running in a worker thread (sandbox-thread.ts). */
interface OutsideWorld {
  url: string;
  apiToken: string;
  smtpUrl: string;
  calls(): Promise<number>;
  mails(): Promise<number>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

async function startOutsideWorld(latencyMs: number, mailLimit: number): Promise<OutsideWorld> {
  const data: SandboxThreadData = { fixture: benchFixture(), latencyMs, mailLimit };
  const thread = new Thread(new URL('./sandbox-thread.js', import.meta.url), { workerData: data });
  const pending = new Map<number, (reply: Extract<SandboxThreadReply, { type: 'reply' }>) => void>();
  let nextId = 1;
  const ready = new Promise<Extract<SandboxThreadReply, { type: 'ready' }>>((resolve, reject) => {
    thread.once('error', reject);
    thread.on('message', (msg: SandboxThreadReply) => {
      if (msg.type === 'ready') return resolve(msg);
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    });
  });
  const ask = (op: SandboxThreadRequest['op']) =>
    new Promise<Extract<SandboxThreadReply, { type: 'reply' }>>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      thread.postMessage({ id, op } satisfies SandboxThreadRequest);
    });
  const { url, apiToken, smtpUrl } = await ready;
  return {
    url,
    apiToken,
    smtpUrl,
    calls: async () => (await ask('calls')).count ?? 0,
    mails: async () => (await ask('mails')).count ?? 0,
    clear: async () => void (await ask('clear')),
    close: async () => {
      await ask('close');
      await thread.terminate();
    },
  };
}

async function post(app: Resetdesk, token: string, r: BenchRequest): Promise<string> {
  const res = await fetch(`${app.url}/api/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ app: r.app, justification: 'benchmark: forgot my password' }),
  });
  const body = (await res.json()) as { request_id?: string };
  if (res.status !== 201 || !body.request_id) throw new Error(`POST /api/v1/requests answered ${res.status}: ${JSON.stringify(body)}`);
  return body.request_id;
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One iterator shared by every lane: each lane takes the next item as soon as it is free.
  const queue = items.entries();
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (const [i, item] of queue) results[i] = await work(item);
  });
  await Promise.all(lanes);
  return results;
}

async function waitDecided(app: Resetdesk, id: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await getRequest(app.ctx.db, id);
    if (r?.decidedAt) return;
    if (Date.now() > deadline) throw new Error(`request ${id} was not decided within ${timeoutMs} ms (status ${r?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Nearest-rank percentile of an unsorted list. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const DETAIL_TOOLS = new Set(['okta.getApp', 'okta.isAssigned', 'okta.listAdminRoles', 'okta.listGroups', 'okta.listFactors']);

/** findUser + the slowest parallel detail call, from the request's Tool Call events. */
async function oktaCriticalPathMs(app: Resetdesk, requestId: string): Promise<number> {
  const events = await listAuditEvents(app.ctx.db, requestId);
  let lookup = 0;
  let details = 0;
  for (const e of events) {
    if (e.eventType !== 'Tool Call') continue;
    const duration = Number(e.details.durationMs ?? 0);
    if (e.details.tool === 'okta.findUser') lookup += duration;
    else if (DETAIL_TOOLS.has(String(e.details.tool))) details = Math.max(details, duration);
  }
  return lookup + details;
}

async function runOnce(s: Settings, dialect: Dialect, latencyMs: number, load: Load): Promise<Row> {
  const started = Date.now();
  const database = await createScratchDatabase(dialect, s.postgresUrl);
  let sandbox: OutsideWorld | undefined;
  let app: Resetdesk | undefined;
  try {
    sandbox = await startOutsideWorld(latencyMs, s.requests + s.warmup + 10);
    const config = loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      OKTA_ORG_URL: sandbox.url,
      OKTA_API_TOKEN: sandbox.apiToken,
      SMTP_URL: sandbox.smtpUrl,
      MAIL_FROM: 'IT Support <it-support@example.com>',
      LOG_LEVEL: 'silent',
      WORKER_CONCURRENCY: String(s.concurrency),
      // The benchmark measures decisions, not the abuse limits: a few bench users file thousands.
      ...UNLIMITED,
      POLICY_FILE: benchPolicyFile(),
    });
    app = await startResetdesk(config);
    const running = app;
    await upsertApps(app.ctx.db, BENCH_CATALOG);
    const tokens = new Map<string, string>();
    for (const u of BENCH_USERS)
      tokens.set(u.login, (await createApiToken(app.ctx.db, { email: u.login, role: 'requester', label: 'bench' })).token);
    const submit = (r: BenchRequest) => {
      const token = tokens.get(r.requester);
      if (token === undefined) throw new Error(`no API token for bench user ${r.requester}`);
      return post(running, token, r);
    };

    // Warm-up (not measured): JIT, connection pools, the app cache.
    if (s.warmup > 0) {
      await pool(benchRequests(s.warmup, 7), s.clients, submit);
      await app.worker.idle(120_000);
    }
    await sandbox.clear();

    const requests = benchRequests(s.requests);
    const submitted =
      load.kind === 'open'
        ? await pool(requests, load.clients, async (r) => ({ expected: r, id: await submit(r) }))
        : await pool(requests, load.inFlight, async (r) => {
            const id = await submit(r);
            await waitDecided(running, id);
            return { expected: r, id };
          });
    await app.worker.idle(120_000);
    const oktaCalls = await sandbox.calls();
    // Every decision of this mix sends the requester exactly one email (link, waiting or declined).
    const mails = await sandbox.mails();
    if (mails !== s.warmup + s.requests) throw new Error(`the mailbox received ${mails} emails, expected ${s.warmup + s.requests}`);

    const rows: PasswordRequest[] = [];
    const e2e: number[] = [];
    const paths: number[] = [];
    const overheads: number[] = [];
    const outcomes: Record<string, number> = {};
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const { expected, id } of submitted) {
      const r = await getRequest(app.ctx.db, id);
      if (!r?.decidedAt) throw new Error(`request ${id} (${expected.requester}, ${expected.app}) was never decided`);
      if (r.ruleId !== expected.expectRule)
        throw new Error(`request ${id} (${expected.requester}, ${expected.app}): rule ${r.ruleId}, expected ${expected.expectRule}`);
      rows.push(r);
      first = Math.min(first, Date.parse(r.createdAt));
      last = Math.max(last, Date.parse(r.decidedAt));
      const latency = Date.parse(r.decidedAt) - Date.parse(r.createdAt);
      const path = await oktaCriticalPathMs(app, id);
      e2e.push(latency);
      paths.push(path);
      overheads.push(latency - path);
      const outcome = r.decision ?? 'none';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    return {
      dialect,
      latencyMs,
      load,
      n: rows.length,
      decidedPerSec: rows.length / (Math.max(1, last - first) / 1000),
      e2eP50: percentile(e2e, 50),
      e2eP99: percentile(e2e, 99),
      oktaPathP50: percentile(paths, 50),
      overheadP50: percentile(overheads, 50),
      overheadP99: percentile(overheads, 99),
      oktaCallsPerRequest: oktaCalls / rows.length,
      outcomes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await app?.stop().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface Column {
  head: string;
  width: number;
  cell: (r: Row) => string;
}

const COLUMNS: Column[] = [
  { head: 'db', width: 8, cell: (r) => r.dialect },
  { head: 'okta latency', width: 12, cell: (r) => `${r.latencyMs} ms` },
  { head: 'load', width: 10, cell: (r) => (r.load.kind === 'open' ? `open/${r.load.clients}` : `paced/${r.load.inFlight}`) },
  { head: 'decided/s', width: 9, cell: (r) => r.decidedPerSec.toFixed(1) },
  { head: 'e2e p50', width: 8, cell: (r) => `${r.e2eP50} ms` },
  { head: 'e2e p99', width: 8, cell: (r) => `${r.e2eP99} ms` },
  { head: 'okta path p50', width: 13, cell: (r) => `${r.oktaPathP50} ms` },
  { head: 'overhead p50', width: 12, cell: (r) => `${r.overheadP50} ms` },
  { head: 'overhead p99', width: 12, cell: (r) => `${r.overheadP99} ms` },
  { head: 'okta calls/req', width: 14, cell: (r) => r.oktaCallsPerRequest.toFixed(2) },
];

/** One table line: the first three columns left-aligned, the numbers right-aligned. */
function line(text: (column: Column) => string): string {
  return COLUMNS.map((c, i) => (i < 3 ? text(c).padEnd(c.width) : text(c).padStart(c.width)))
    .join('  ')
    .trimEnd();
}

async function main(): Promise<void> {
  const s = settings();
  const dialects: Dialect[] = s.postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  const cpu = cpus();
  const out = (text = '') => process.stdout.write(`${text}\n`);
  out(
    `resetdesk benchmark: ${s.requests} requests per run (after ${s.warmup} warm-up), WORKER_CONCURRENCY=${s.concurrency}, loads: open/${s.clients} (${s.clients} HTTP clients submit all at once), paced/K (K clients, each waits for its decision)`,
  );
  out(`machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${platform()} ${release()} ${arch()}, node ${process.version}`);
  out();
  out(line((c) => c.head));
  const rows: Row[] = [];
  let mix = '';
  for (const dialect of dialects) {
    for (const latency of s.latencies) {
      const loads: Load[] = [{ kind: 'open', clients: s.clients }, ...s.inFlight.map((k): Load => ({ kind: 'paced', inFlight: k }))];
      for (const load of loads) {
        const row = await runOnce(s, dialect, latency, load);
        rows.push(row);
        mix ||= Object.entries(row.outcomes)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ');
        out(line((c) => c.cell(row)));
      }
    }
  }
  out();
  out(`decisions per run: ${mix} (every request's rule checked against the bench org)`);
  out(
    'e2e = decided_at - created_at (server timestamps, 1 ms resolution); okta path = findUser + slowest parallel detail call (Tool Call durationMs);',
  );
  out(
    'overhead = e2e - okta path. open: all requests submitted at once (e2e includes queueing for a worker slot); paced: each client waits for its decision.',
  );
  out(`total ${rows.reduce((t, r) => t + r.seconds, 0).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
