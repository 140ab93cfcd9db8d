/** What one benchmark run was and measured (a row), and the one table `npm run bench` prints. */
import type { Figures } from './bench-results.js';

/** open: `clients` HTTP clients submit everything at once; paced: `inFlight` clients each wait for their decision. */
export type Load = { kind: 'open'; clients: number } | { kind: 'paced'; inFlight: number };
export type Dialect = 'sqlite' | 'postgres';

/** One run: which processes, which load, how many requests. */
export interface Plan {
  dialect: Dialect;
  /** `resetdesk serve` processes on the one database. */
  instances: number;
  latencyMs: number;
  load: Load;
  requests: number;
  /** The sandbox's budget per rate-limit bucket. */
  rateLimit: { limit: number; windowSeconds: number };
  /** Submit in two halves and read the RSS after each. */
  rss: boolean;
}

export interface Row extends Figures {
  plan: Plan;
  /** Instances' CPU time (user + system) over the measured requests, per decision. */
  cpuMsPerDecision: number;
  /** Instances' CPU time per second with no work, sampled just before the measured requests. */
  idleCpuMsPerSec: number;
  oktaCallsPerRequest: number;
  /** 429s the sandbox answered (warm-up included). */
  throttled: number;
  /** 429s the instances counted (resetdesk_okta_rate_limited_total). */
  okta429: number;
  /** The instance's resident memory (and V8 heap in use) after the first `half` requests and after all of them. */
  rss?: { half: number; atHalf: number; atEnd: number; heapAtHalf: number; heapAtEnd: number };
  seconds: number;
}

interface Column {
  head: string;
  width: number;
  cell: (r: Row) => string;
}

/** 20000 → "20k", 400 → "400". */
function count(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** The columns; the two RSS ones are named after the memory row's request counts. */
export function tableColumns(rssRequests: number): Column[] {
  const half = Math.floor(rssRequests / 2);
  const columns: Column[] = [
    { head: 'db', width: 8, cell: (r) => r.plan.dialect },
    { head: 'inst', width: 4, cell: (r) => String(r.plan.instances) },
    {
      head: 'okta',
      width: 14,
      cell: (r) =>
        `${r.plan.latencyMs} ms${r.plan.rateLimit.limit < 100_000 ? ` ${r.plan.rateLimit.limit}/${r.plan.rateLimit.windowSeconds === 60 ? 'min' : `${r.plan.rateLimit.windowSeconds}s`}` : ''}`,
    },
    {
      head: 'load',
      width: 8,
      cell: (r) => (r.plan.load.kind === 'open' ? `open/${r.plan.load.clients}` : `paced/${r.plan.load.inFlight}`),
    },
    { head: 'n', width: 6, cell: (r) => String(r.n) },
    { head: 'decided/s', width: 9, cell: (r) => r.decidedPerSec.toFixed(1) },
    { head: 'e2e p50', width: 8, cell: (r) => `${r.e2eP50} ms` },
    { head: 'e2e p99', width: 8, cell: (r) => `${r.e2eP99} ms` },
    { head: 'okta path p50', width: 13, cell: (r) => `${r.oktaPathP50} ms` },
    { head: 'overhead p50', width: 12, cell: (r) => `${r.overheadP50} ms` },
    { head: 'overhead p99', width: 12, cell: (r) => `${r.overheadP99} ms` },
    { head: 'cpu/decision', width: 12, cell: (r) => `${r.cpuMsPerDecision.toFixed(2)} ms` },
    { head: 'idle cpu', width: 9, cell: (r) => `${r.idleCpuMsPerSec.toFixed(0)} ms/s` },
    { head: 'okta calls/req', width: 14, cell: (r) => r.oktaCallsPerRequest.toFixed(2) },
    { head: '429s', width: 4, cell: (r) => String(r.throttled) },
  ];
  // No memory row (BENCH_RSS_REQUESTS=0): no columns for it.
  if (rssRequests === 0) return columns;
  return [
    ...columns,
    { head: `rss@${count(half)}`, width: 8, cell: (r) => (r.rss ? mb(r.rss.atHalf) : '-') },
    { head: `rss@${count(rssRequests)}`, width: 8, cell: (r) => (r.rss ? mb(r.rss.atEnd) : '-') },
  ];
}

/** One table line: the first four columns left-aligned, the numbers right-aligned. */
export function tableLine(columns: Column[], text: (column: Column) => string): string {
  return columns
    .map((c, i) => (i < 4 ? text(c).padEnd(c.width) : text(c).padStart(c.width)))
    .join('  ')
    .trimEnd();
}
