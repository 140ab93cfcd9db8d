/**
 * resetdesk benchmark (`npm run bench`; see docs/benchmarks.md).
 *
 * Every row is its own run on a fresh database: the outside world (Okta sandbox + dev mailbox) in
 * one child process, resetdesk in one or more `resetdesk serve` processes, and this process only
 * submitting BENCH_REQUESTS requests over the HTTP API, scraping each instance's /metrics and
 * reading the database once every job is done (bench-harness.ts, bench-results.ts). Rows:
 *   - per dialect × Okta latency, one instance: open/C (throughput at saturation), paced/K
 *     (latency and overhead without queueing);
 *   - PostgreSQL, 0 ms: open/C on 2 and 3 instances (POSTs round-robin): how throughput scales;
 *   - SQLite, 100 ms, the sandbox at Okta's default 600 calls per minute per bucket (and on
 *     PostgreSQL, the most BENCH_INSTANCES sharing that budget): resetdesk
 *     must keep to the budget (any 429 the sandbox answers, in any row, fails the bench);
 *   - SQLite, 0 ms, BENCH_RSS_REQUESTS in two halves: the instance's RSS and V8 heap after each,
 *     read once a heap snapshot has collected the garbage (bench-harness.ts collectedMemory).
 * CPU per decision is Δ(process_cpu_user + _system seconds) of the instances over the measured
 * window, divided by the decisions. A wrong result exits 1; speed and size never do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { upsertApps } from '../db/repositories/app.repository.js';
import { createApiToken } from '../db/repositories/token.repository.js';
import { createScratchDatabase } from '../db/scratch-database.js';
import {
  collectedMemory,
  heapSnapshotArgs,
  type Instances,
  type OutsideWorld,
  type ProcessFigures,
  pool,
  post,
  scrapeAll,
  startInstances,
  startOutsideWorld,
  waitDecided,
  waitForIdle,
} from './bench-harness.js';
import { BENCH_CATALOG, BENCH_USERS, type BenchRequest, benchFixture, benchRequests } from './bench-org.js';
import { type Figures, readFigures, type Submitted } from './bench-results.js';
import { type Dialect, type Load, type Plan, type Row, tableColumns, tableLine } from './bench-table.js';
import { NO_FILING_LIMITS } from './no-filing-limits.js';

// A few bench users file the same app again and again: each one is a new request to decide.
const UNLIMITED = NO_FILING_LIMITS;

/** Far above Okta's real limits: the ordinary rows measure resetdesk, not throttling. */
const NO_RATE_LIMIT = { limit: 1_000_000, windowSeconds: 60 };
/** Okta's default for the users buckets (and the sandbox fixture's default, src/okta-sandbox/fixture.ts). */
const OKTA_RATE_LIMIT = { limit: 600, windowSeconds: 60 };
const RATE_LIMITED_LATENCY_MS = 100;
/** How long the instances' idle CPU is sampled before the measured requests. */
const IDLE_SAMPLE_MS = 2000;

/** The default policy but for the reset cooldown, which would refuse the bench users' repeats. */
function benchPolicyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'resetdesk-bench-')), 'policy.yaml');
  writeFileSync(path, JSON.stringify({ version: 'bench', cooldown: { maxResets: 0 } }));
  return path;
}

interface Settings {
  requests: number;
  concurrency: number;
  clients: number;
  inFlight: number[];
  latencies: number[];
  instances: number[];
  warmup: number;
  rateRequests: number;
  rssRequests: number;
  postgresUrl: string | undefined;
  profileDir: string | undefined;
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
  const postgresUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl))
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL (an admin connection; a fresh database is created per run)');
  return {
    requests: envInt('BENCH_REQUESTS', 200, 1, 100_000),
    concurrency: envInt('BENCH_CONCURRENCY', 16, 1, 64),
    clients: envInt('BENCH_CLIENTS', 16, 1, 1000),
    inFlight: intList('BENCH_INFLIGHT', '1,4', 1, 1000),
    latencies: intList('BENCH_LATENCIES', '0,100', 0, 5000),
    instances: intList('BENCH_INSTANCES', '1,2,3', 1, 8),
    // Fewer left V8's JIT cold: 20 warm-up requests measured ~15 ms of CPU per decision, 500 about 10.
    warmup: envInt('BENCH_WARMUP', 200, 0, 10_000),
    rateRequests: envInt('BENCH_RATE_REQUESTS', 700, 0, 100_000),
    rssRequests: envInt('BENCH_RSS_REQUESTS', 20_000, 0, 1_000_000),
    postgresUrl,
    profileDir: process.env.BENCH_PROFILE_DIR?.trim() || undefined,
  };
}

/** Every row of the table, in order. */
function plans(s: Settings): Plan[] {
  const out: Plan[] = [];
  const base = { instances: 1, requests: s.requests, rateLimit: NO_RATE_LIMIT, rss: false };
  const open: Load = { kind: 'open', clients: s.clients };
  const dialects: Dialect[] = s.postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  for (const dialect of dialects)
    for (const latencyMs of s.latencies)
      for (const load of [open, ...s.inFlight.map((k): Load => ({ kind: 'paced', inFlight: k }))])
        out.push({ ...base, dialect, latencyMs, load });
  // One instance is the postgres open row above.
  if (s.postgresUrl)
    for (const instances of s.instances.filter((n) => n > 1))
      out.push({ ...base, dialect: 'postgres', instances, latencyMs: 0, load: open });
  if (s.rateRequests > 0)
    out.push({
      ...base,
      dialect: 'sqlite',
      latencyMs: RATE_LIMITED_LATENCY_MS,
      load: open,
      requests: s.rateRequests,
      rateLimit: OKTA_RATE_LIMIT,
    });
  // The same budget shared by the most instances asked for: their grants come from one ledger.
  const most = Math.max(...s.instances);
  if (s.rateRequests > 0 && s.postgresUrl && most > 1)
    out.push({
      ...base,
      dialect: 'postgres',
      instances: most,
      latencyMs: RATE_LIMITED_LATENCY_MS,
      load: open,
      requests: s.rateRequests,
      rateLimit: OKTA_RATE_LIMIT,
    });
  if (s.rssRequests > 0) out.push({ ...base, dialect: 'sqlite', latencyMs: 0, load: open, requests: s.rssRequests, rss: true });
  return out;
}

// ---------------------------------------------------------------------------------------------
// One run

async function runOnce(s: Settings, plan: Plan): Promise<Row> {
  const started = Date.now();
  const database = await createScratchDatabase(plan.dialect, s.postgresUrl);
  const handle = openDatabase(database.url);
  const db = handle.db;
  let outside: OutsideWorld | undefined;
  let instances: Instances | undefined;
  let snapshotDir: string | undefined;
  try {
    // Migrated here first, as a deployment would: the instances then start on a ready schema.
    await migrateToLatest(db);
    await upsertApps(db, BENCH_CATALOG);
    const tokens = new Map<string, string>();
    for (const u of BENCH_USERS)
      tokens.set(u.login, (await createApiToken(db, { email: u.login, role: 'requester', label: 'bench' })).token);
    outside = await startOutsideWorld({
      fixture: benchFixture(),
      latencyMs: plan.latencyMs,
      mailLimit: 100_000,
      rateLimit: plan.rateLimit,
    });
    const nodeArgs = s.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${s.profileDir}`] : [];
    if (plan.rss) {
      snapshotDir = mkdtempSync(join(tmpdir(), 'resetdesk-heap-'));
      nodeArgs.push(...heapSnapshotArgs(snapshotDir));
    }
    instances = await startInstances(
      plan.instances,
      {
        DATABASE_URL: database.url,
        OKTA_ORG_URL: outside.url,
        OKTA_API_TOKEN: outside.apiToken,
        SMTP_URL: outside.smtpUrl,
        MAIL_FROM: 'IT Support <it-support@example.com>',
        LOG_LEVEL: 'silent',
        WORKER_CONCURRENCY: String(s.concurrency),
        // The benchmark measures decisions, not the abuse limits: a few bench users file thousands.
        ...UNLIMITED,
        POLICY_FILE: benchPolicyFile(),
      },
      nodeArgs,
    );
    const urls = instances.urls;
    let turn = 0;
    const submit = (r: BenchRequest) => {
      const token = tokens.get(r.requester);
      if (token === undefined) throw new Error(`no API token for bench user ${r.requester}`);
      // Round-robin over the instances, as a load balancer would.
      return post(urls[turn++ % urls.length] as string, token, r);
    };
    const load = plan.load;
    const run = (requests: BenchRequest[]): Promise<Submitted[]> =>
      load.kind === 'open'
        ? pool(requests, load.clients, async (r) => ({ expected: r, id: await submit(r) }))
        : pool(requests, load.inFlight, async (r) => {
            const id = await submit(r);
            await waitDecided(db, id);
            return { expected: r, id };
          });

    // Okta's windows (and the sandbox's) are aligned to the clock: a run that happened to cross
    // a minute boundary would get two budgets and might never be throttled. Start on a fresh one.
    if (plan.rateLimit !== NO_RATE_LIMIT) await untilNextWindow(plan.rateLimit.windowSeconds);
    // Warm-up (not measured): JIT, connection pools, each instance's app cache.
    if (s.warmup > 0) {
      await run(benchRequests(s.warmup, 7));
      await waitForIdle(db);
    }
    await outside.clear();
    // What the instances burn with nothing to do (pollers, timers), to read cpu/decision against.
    const idleFrom = await scrapeAll(instances);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
    const before = await scrapeAll(instances);

    const requests = benchRequests(plan.requests);
    let submitted: Submitted[];
    let rss: Row['rss'];
    let halves: [Submitted[], Submitted[]] | undefined;
    let after: ProcessFigures;
    if (plan.rss && snapshotDir) {
      const half = Math.floor(requests.length / 2);
      const first = await run(requests.slice(0, half));
      await waitForIdle(db);
      const atHalf = await collectedMemory(instances, snapshotDir);
      const second = await run(requests.slice(half));
      await waitForIdle(db);
      after = await scrapeAll(instances);
      after.cpuSeconds -= atHalf.cpuSeconds;
      const atEnd = await collectedMemory(instances, snapshotDir);
      halves = [first, second];
      submitted = [...first, ...second];
      rss = {
        half,
        atHalf: atHalf.residentBytes,
        atEnd: atEnd.residentBytes,
        heapAtHalf: atHalf.heapUsedBytes,
        heapAtEnd: atEnd.heapUsedBytes,
      };
    } else {
      submitted = await run(requests);
      await waitForIdle(db);
      after = await scrapeAll(instances);
    }

    const oktaCalls = await outside.calls();
    const throttled = await outside.throttled();
    // Every decision of this mix sends the requester exactly one email (link, waiting or declined).
    const mails = await outside.mails();
    if (mails !== s.warmup + plan.requests)
      throw new Error(`the mailbox received ${mails} emails, expected ${s.warmup + plan.requests} (Okta answered ${throttled} 429s)`);
    const figures: Figures = await readFigures(db, submitted);
    if (halves) {
      // The halves' own spans: the pause between them, while memory settles, is no decision time.
      const spans = await Promise.all(
        halves.map(async (h) => {
          const half = await readFigures(db, h);
          return half.n / half.decidedPerSec;
        }),
      );
      figures.decidedPerSec = figures.n / spans.reduce((total, span) => total + span, 0);
    }
    return {
      plan,
      ...figures,
      cpuMsPerDecision: cpuMs(before, after) / figures.n,
      idleCpuMsPerSec: cpuMs(idleFrom, before) / (IDLE_SAMPLE_MS / 1000),
      oktaCallsPerRequest: oktaCalls / figures.n,
      throttled,
      okta429: after.okta429,
      ...(rss ? { rss } : {}),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    if (instances) process.stderr.write(instances.cluster.output().slice(-4000));
    throw err;
  } finally {
    await instances?.cluster.stop().catch(() => undefined);
    await outside?.close().catch(() => undefined);
    await handle.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  }
}

/** Sleeps until just after the sandbox's current rate-limit window ends (its windows start at multiples of the window on the epoch clock). */
async function untilNextWindow(windowSeconds: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const wait = windowMs - (Date.now() % windowMs) + 100;
  await new Promise((resolve) => setTimeout(resolve, wait));
}

function cpuMs(before: ProcessFigures, after: ProcessFigures): number {
  return (after.cpuSeconds - before.cpuSeconds) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Report

async function main(): Promise<void> {
  const s = settings();
  const cpu = cpus();
  const out = (text = '') => process.stdout.write(`${text}\n`);
  out(
    `resetdesk benchmark: ${s.requests} requests per run (after ${s.warmup} warm-up), WORKER_CONCURRENCY=${s.concurrency}, loads: open/${s.clients} (${s.clients} HTTP clients submit all at once), paced/K (K clients, each waits for its decision)`,
  );
  out(`machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${platform()} ${release()} ${arch()}, node ${process.version}`);
  out('processes: the bench, the outside world (Okta sandbox + SMTP mailbox), and `inst` resetdesk serve instances');
  out();
  const columns = tableColumns(s.rssRequests);
  out(tableLine(columns, (c) => c.head));
  const rows: Row[] = [];
  let mix = '';
  for (const plan of plans(s)) {
    const row = await runOnce(s, plan);
    rows.push(row);
    if (plan.requests === s.requests && !plan.rss)
      mix ||= Object.entries(row.outcomes)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
    out(tableLine(columns, (c) => c.cell(row)));
  }
  out();
  out(`decisions per ${s.requests}-request run: ${mix} (every request's rule checked against the bench org in every row)`);
  out(
    'e2e = decided_at - created_at (server timestamps, 1 ms resolution); okta path = findUser + slowest parallel detail call (Tool Call durationMs);',
  );
  out(
    'overhead = e2e - okta path. open: all requests submitted at once (e2e includes queueing for a worker slot); paced: each client waits for its decision.',
  );
  out(
    'cpu/decision = Δ(process_cpu_user + process_cpu_system seconds) of the instances between /metrics scrapes around the measured requests, / decisions.',
  );
  out(
    `idle cpu = the same, per second, over ${IDLE_SAMPLE_MS / 1000} s with nothing to do just before the measured requests (all instances together).`,
  );
  out("429s = the sandbox's 429 answers in the run (warm-up included); 600/min = Okta's default budget per bucket instead of 1,000,000.");
  for (const r of rows) {
    if (!r.rss) continue;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    const growth = mb(r.rss.atEnd) - mb(r.rss.atHalf);
    out(
      `rss: ${mb(r.rss.atHalf).toFixed(1)} MB after ${r.rss.half} requests, ${mb(r.rss.atEnd).toFixed(1)} MB after ${r.n}: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (${((growth / mb(r.rss.atHalf)) * 100).toFixed(1)} %); V8 heap used ${mb(r.rss.heapAtHalf).toFixed(1)} → ${mb(r.rss.heapAtEnd).toFixed(1)} MB (each read after a full collection)`,
    );
  }
  out(`total ${rows.reduce((t, r) => t + r.seconds, 0).toFixed(1)} s`);
  // resetdesk must never draw a 429 of its own making: that is a wrong result, not a slow one.
  const throttledRows = rows.filter((r) => r.throttled > 0 || r.okta429 > 0);
  if (throttledRows.length > 0)
    throw new Error(
      `Okta answered 429 in ${throttledRows.length} row(s): ${throttledRows.map((r) => `${r.plan.dialect} ${r.plan.instances} inst ${r.plan.latencyMs} ms ${r.plan.load.kind}: sandbox ${r.throttled}, resetdesk counted ${r.okta429}`).join('; ')}`,
    );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
