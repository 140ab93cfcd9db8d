/**
 * The benchmark's moving parts, each in its own process as in production: the outside world
 * (outside-world.ts, forked) and `resetdesk serve` instances (chaos-cluster.ts). The bench
 * process only submits requests over HTTP, scrapes each instance's GET /metrics and reads the
 * database; it never runs resetdesk code in its own event loop.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database.js';
import { countOpenJobs } from '../db/repositories/job.repository.js';
import { getRequest } from '../db/repositories/request.repository.js';
import type { BenchRequest } from './bench-org.js';
import { type Cluster, startCluster } from './chaos-cluster.js';
import type { OutsideWorldOp, OutsideWorldOptions, OutsideWorldReply, OutsideWorldRequest } from './outside-world.js';

/** The Okta sandbox and the SMTP dev mailbox, in a child process (outside-world.ts). */
export interface OutsideWorld {
  url: string;
  apiToken: string;
  smtpUrl: string;
  /** Okta calls since the last clear(). */
  calls(): Promise<number>;
  /** 429 answers since start (calls forgotten by clear() included). */
  throttled(): Promise<number>;
  /** Emails received since start. */
  mails(): Promise<number>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export async function startOutsideWorld(options: OutsideWorldOptions): Promise<OutsideWorld> {
  // No inherited execArgv: `node --cpu-prof dist/bench/bench.js` profiles the bench, not the sandbox.
  const child: ChildProcess = fork(new URL('./outside-world.js', import.meta.url), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  const pending = new Map<number, (reply: Extract<OutsideWorldReply, { type: 'reply' }>) => void>();
  let nextId = 1;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the outside world exited (${code ?? signal})`))),
  );
  exited.catch(() => undefined);
  const ready = new Promise<Extract<OutsideWorldReply, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the outside world did not start')), START_TIMEOUT_MS);
    child.on('message', (msg: OutsideWorldReply) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        return resolve(msg);
      }
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    });
  });
  child.send({ type: 'start', options } satisfies OutsideWorldRequest);
  const ask = (op: OutsideWorldOp) =>
    Promise.race([
      exited,
      new Promise<Extract<OutsideWorldReply, { type: 'reply' }>>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ id, op } satisfies OutsideWorldRequest);
      }),
    ]);
  let started: Extract<OutsideWorldReply, { type: 'ready' }>;
  try {
    started = await Promise.race([exited, ready]);
  } catch (err) {
    kill();
    process.off('exit', kill);
    throw err;
  }
  return {
    url: started.url,
    apiToken: started.apiToken,
    smtpUrl: started.smtpUrl,
    calls: async () => (await ask('calls')).count ?? 0,
    throttled: async () => (await ask('throttled')).count ?? 0,
    mails: async () => (await ask('mails')).count ?? 0,
    clear: async () => void (await ask('clear')),
    close: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      await ask('close').catch(() => undefined);
      // The child exits when the channel closes.
      child.disconnect();
      await gone;
    },
  };
}

/** `resetdesk serve` instances on one database, with the secret that reads their /metrics. */
export interface Instances {
  cluster: Cluster;
  urls: string[];
  metricsToken: string;
}

export async function startInstances(count: number, env: Record<string, string>, nodeArgs: string[]): Promise<Instances> {
  const metricsToken = randomBytes(24).toString('base64url');
  const cluster = await startCluster(count, { ...env, HOST: '127.0.0.1', METRICS_TOKEN: metricsToken }, nodeArgs);
  const urls = cluster.urls().filter((u): u is string => u !== null);
  return { cluster, urls, metricsToken };
}

/** What the bench reads from one instance's GET /metrics (prom-client's process metrics and one of ours). */
export interface ProcessFigures {
  /** process.cpuUsage() user + system, in seconds, since the instance's metrics were created. */
  cpuSeconds: number;
  residentBytes: number;
  /** V8 heap in use (nodejs_heap_size_used_bytes): garbage not yet collected included, but no allocator slack. */
  heapUsedBytes: number;
  /** 429 answers the instance received from Okta (resetdesk_okta_rate_limited_total, all operations). */
  okta429: number;
}

/** Sums every sample of `name` (all label sets) in a Prometheus text exposition. */
function sample(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    total += Number(rest.slice(rest.lastIndexOf(' ') + 1));
  }
  return total;
}

async function scrape(url: string, metricsToken: string): Promise<ProcessFigures> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}/metrics answered ${res.status}: ${text.slice(0, 200)}`);
  return {
    cpuSeconds: sample(text, 'process_cpu_user_seconds_total') + sample(text, 'process_cpu_system_seconds_total'),
    residentBytes: sample(text, 'process_resident_memory_bytes'),
    heapUsedBytes: sample(text, 'nodejs_heap_size_used_bytes'),
    okta429: sample(text, 'resetdesk_okta_rate_limited_total'),
  };
}

/** Every instance's figures, summed (memory: the largest). */
export async function scrapeAll(instances: Instances): Promise<ProcessFigures> {
  const all = await Promise.all(instances.urls.map((u) => scrape(u, instances.metricsToken)));
  return {
    cpuSeconds: all.reduce((t, f) => t + f.cpuSeconds, 0),
    residentBytes: Math.max(...all.map((f) => f.residentBytes)),
    heapUsedBytes: Math.max(...all.map((f) => f.heapUsedBytes)),
    okta429: all.reduce((t, f) => t + f.okta429, 0),
  };
}

/**
 * Node flags for the memory row's instances: SIGUSR2 writes a heap snapshot into `dir`, and
 * writing one collects all garbage first (collectedMemory).
 */
export function heapSnapshotArgs(dir: string): string[] {
  return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
}

/**
 * The instances' memory with no garbage left: read once a heap snapshot (heapSnapshotArgs) has
 * collected it, and the snapshot deleted. Read without that, both figures depend on when V8 last
 * collected: one instance read 513 MB RSS with 236 MB of heap in use, and 436 MB with 67 MB
 * right after a snapshot — the rest was garbage, not memory kept.
 */
export async function collectedMemory(
  instances: Instances,
  dir: string,
): Promise<{ residentBytes: number; heapUsedBytes: number; cpuSeconds: number }> {
  const cpuBefore = (await scrapeAll(instances)).cpuSeconds;
  const before = new Set(readdirSync(dir));
  instances.cluster.signal('SIGUSR2');
  const deadline = Date.now() + 60_000;
  // Node writes the snapshot on the instance's main thread; its /metrics answers once it is done.
  while (readdirSync(dir).filter((f) => !before.has(f)).length < instances.urls.length) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot in ${dir} a minute after SIGUSR2`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const f = await scrapeAll(instances);
  for (const file of readdirSync(dir)) if (!before.has(file)) rmSync(join(dir, file), { force: true });
  // What the snapshot cost the instances, to keep it out of cpu/decision.
  return { residentBytes: f.residentBytes, heapUsedBytes: f.heapUsedBytes, cpuSeconds: f.cpuSeconds - cpuBefore };
}

/** How long the open-job count may stay unchanged before the run is declared stuck (a rate-limit wait is up to a minute). */
const STALL_MS = 120_000;

/**
 * Waits until no job is running or due (countOpenJobs), read from the database as any instance
 * sees it. Fails when the count does not move for STALL_MS: slow is fine, stuck is not.
 */
export async function waitForIdle(db: Db): Promise<void> {
  let last = -1;
  let changedAt = Date.now();
  for (;;) {
    const open = await countOpenJobs(db);
    if (open === 0) return;
    if (open !== last) {
      last = open;
      changedAt = Date.now();
    } else if (Date.now() - changedAt > STALL_MS) {
      throw new Error(`${open} jobs stayed running or due for ${STALL_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the request until it is decided; the poll only paces a `paced` client, it measures nothing. */
export async function waitDecided(db: Db, id: string, timeoutMs = STALL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await getRequest(db, id);
    if (r?.decidedAt) return;
    if (Date.now() > deadline) throw new Error(`request ${id} was not decided within ${timeoutMs} ms (status ${r?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function post(baseUrl: string, token: string, r: BenchRequest): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ app: r.app, justification: 'benchmark: forgot my password' }),
  });
  const body = (await res.json()) as { request_id?: string };
  if (res.status !== 201 || !body.request_id) throw new Error(`POST /api/v1/requests answered ${res.status}: ${JSON.stringify(body)}`);
  return body.request_id;
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One iterator shared by every lane: each lane takes the next item as soon as it is free.
  const queue = items.entries();
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (const [i, item] of queue) results[i] = await work(item);
  });
  await Promise.all(lanes);
  return results;
}
