import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DevMailbox, startDevMailbox } from '../src/connectors/smtp/index.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { upsertApps } from '../src/db/repositories/app.repository.js';
import { createApiToken } from '../src/db/repositories/token.repository.js';
import { type OktaSandbox, startOktaSandbox } from '../src/okta-sandbox/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase, type TestDialect } from './helpers/databases.js';
import { TEST_CATALOG, testFixture } from './helpers/test-org.js';

/**
 * OpenTelemetry traces from the real CLI (`resetdesk serve`, compiled dist/) in its own process,
 * exported over OTLP/HTTP to a collector faked on loopback. JSON rather than the default protobuf
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), so the test can read the spans.
 */

const BIN = new URL('../bin/resetdesk.js', import.meta.url).pathname;

/** A span as the test reads it: attributes flattened to plain values. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  scope: string;
  service: string;
  status: number;
  attributes: Record<string, string | number | boolean>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        status?: { code?: number };
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

function flatten(attributes: OtlpAttribute[] = []): ExportedSpan['attributes'] {
  const out: ExportedSpan['attributes'] = {};
  for (const { key, value } of attributes) {
    const v =
      value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * An OTLP/HTTP collector: accepts POST /v1/traces, keeps the spans of JSON bodies (protobuf ones
 * are only acknowledged), and records every call's method, path and content type.
 */
async function startCollector(): Promise<{ url: string; calls: () => string[]; spans: () => ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      if (req.headers['content-type'] !== 'application/json') {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const rs of body.resourceSpans ?? []) {
        const service = String(flatten(rs.resource?.attributes)['service.name'] ?? '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              scope: ss.scope?.name ?? '',
              service,
              status: s.status?.code ?? 0,
              attributes: flatten(s.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    spans: () => spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Setup {
  database: TestDatabase;
  sandbox: OktaSandbox;
  mailbox: DevMailbox;
  token: string;
}

/** A migrated database with the test catalog and a requester's token, the Okta sandbox and a mailbox. */
async function setUp(dialect: TestDialect): Promise<Setup> {
  const database = await createTestDatabase(dialect);
  const handle = openDatabase(database.url);
  let token: string;
  try {
    await migrateToLatest(handle.db);
    await upsertApps(handle.db, TEST_CATALOG);
    token = (await createApiToken(handle.db, { email: 'alice@example.com', role: 'requester' })).token;
  } finally {
    await handle.close();
  }
  return { database, sandbox: await startOktaSandbox({ fixture: testFixture() }), mailbox: await startDevMailbox(), token };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  await s?.sandbox.close();
  await s?.mailbox.close();
  await s?.database.drop();
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** `resetdesk serve` on the setup's database, Okta and mailbox; resolves with its URL once it listens. */
async function serve(s: Setup, env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: s.database.url,
      OKTA_ORG_URL: s.sandbox.url,
      OKTA_API_TOKEN: s.sandbox.apiToken,
      SMTP_URL: s.mailbox.url,
      MAIL_FROM: 'IT Support <it-support@example.com>',
      PORT: '0',
      LOG_LEVEL: 'warn',
      WORKER_POLL_MS: '50',
      ...env,
    },
  });
  children.push(child);
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening: ${out}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /resetdesk listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { child, url };
}

/** Files alice's Expensify request over the API and waits until it is closed; returns how many times it asked. */
async function fileAndFinish(url: string, token: string): Promise<number> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const res = await fetch(`${url}/api/v1/requests`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ app: 'Expensify', justification: 'locked out' }),
  });
  expect(res.status).toBe(201);
  const { request_id: id } = (await res.json()) as { request_id: string };
  let polls = 0;
  await expect
    .poll(
      async () => {
        polls += 1;
        const view = (await (await fetch(`${url}/api/v1/requests/${id}`, { headers })).json()) as { status: string; resolution?: string };
        return `${view.status}/${view.resolution ?? ''}`;
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe('Closed/Completed');
  return polls;
}

/** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

beforeAll(() => {
  if (!existsSync(new URL('../dist/observability/tracing.js', import.meta.url)))
    throw new Error('dist/ is missing or stale: run `npm run build` (npm test does it first)');
});

describe.each(DIALECTS)('traces on %s', (dialect) => {
  let s: Setup | undefined;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    s = await setUp(dialect);
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
    await tearDown(s);
  });

  it('exports the HTTP request, one span per Okta call and the SQL of a request, and flushes on SIGTERM', { timeout: 60_000 }, async () => {
    const setup = s as Setup;
    // The default service name on one run, OTEL_SERVICE_NAME's on the other.
    const service = dialect === 'postgres' ? 'resetdesk-pg' : 'resetdesk';
    const app = await serve(setup, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Longer than the test: the last spans can only arrive through the flush on SIGTERM.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      ...(dialect === 'postgres' ? { OTEL_SERVICE_NAME: service } : {}),
    });
    // An Okta outage longer than the connector's retries (4): triage's first call fails, and its job is retried.
    setup.sandbox.failNext(5, { method: 'GET', pathPrefix: '/api/v1/users' });
    const polls = await fileAndFinish(app.url, setup.token);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    expect(await stop(app.child)).toBe(0);

    const spans = collector.spans();
    expect(spans.length).toBeGreaterThan(0);
    expect(new Set(spans.map((x) => x.service))).toEqual(new Set([service]));
    // Traces only: no metrics or logs pushed.
    expect(new Set(collector.calls())).toEqual(new Set(['POST /v1/traces application/json']));

    // The API call: the HTTP server span, named by Fastify's route (@fastify/otel tells instrumentation-http).
    const server = spans.find((x) => x.scope.includes('instrumentation-http') && x.name === 'POST /api/v1/requests');
    expect(server, JSON.stringify(spans.map((x) => `${x.scope} ${x.name}`))).toBeDefined();
    expect(server?.attributes['http.route']).toBe('/api/v1/requests');
    expect(server?.attributes).toMatchObject({ 'url.path': '/api/v1/requests', 'http.response.status_code': 201 });
    const fastify = spans.filter((x) => x.scope === '@fastify/otel' && x.traceId === server?.traceId);
    expect(fastify.length).toBeGreaterThan(0);
    // Every poll's span arrived, the last ones only through the flush on SIGTERM.
    expect(spans.filter((x) => x.name === 'GET /api/v1/requests/:id')).toHaveLength(polls);
    // Probes are not traced, nor their work (the readiness check's Okta call).
    expect(spans.filter((x) => x.attributes['url.path'] === '/healthz' || x.attributes['url.path'] === '/readyz')).toEqual([]);

    // One span per Okta call, from okta-http.ts, with its bucket, attempts and answer.
    const okta = spans.filter((x) => x.scope === 'resetdesk' && x.name.startsWith('okta '));
    expect(okta.length).toBeGreaterThan(0);
    // The call that met the outage: one span for its five attempts, status ERROR, the last answer and the error's code.
    const failed = okta.filter((x) => x.status === 2);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.name).toBe('okta GET /api/v1/users');
    expect(failed[0]?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.template': '/api/v1/users',
      'okta.attempts': 5,
      'http.response.status_code': 500,
      'error.type': 'OKTA_UNAVAILABLE',
    });
    // The retried job's lookup answered at once; the readiness probe's call (same bucket) left no span.
    expect(okta.filter((x) => x.name === 'okta GET /api/v1/users')).toHaveLength(2);
    const lookup = okta.find((x) => x.name === 'okta GET /api/v1/users' && x.status !== 2);
    expect(lookup?.attributes).toMatchObject({ 'okta.attempts': 1, 'http.response.status_code': 200 });
    expect(lookup?.attributes['okta.rate_limit.remaining']).toEqual(expect.any(Number));
    // Each Okta call's fetch (instrumentation-undici) is its child, in its trace.
    for (const call of okta) {
      const fetches = spans.filter((x) => x.scope.includes('instrumentation-undici') && x.parentSpanId === call.spanId);
      expect(fetches, call.name).toHaveLength(call.attributes['okta.attempts'] as number);
      expect(fetches.every((f) => f.traceId === call.traceId)).toBe(true);
    }

    // Each job attempt is a trace of its own: the triage's Okta calls hang under a `job` root
    // span, not under the POST that enqueued it (whose context the worker loop must not keep).
    const jobs = spans.filter((x) => x.scope === 'resetdesk' && x.name === 'job triage-request');
    expect(jobs.length).toBeGreaterThanOrEqual(2); // the attempt that met the outage, and its retry
    expect(jobs.every((j) => j.parentSpanId === '' && j.traceId !== server?.traceId)).toBe(true);
    for (const call of okta)
      expect(
        jobs.some((j) => j.spanId === call.parentSpanId && j.traceId === call.traceId),
        call.name,
      ).toBe(true);
    expect(jobs.filter((j) => j.status === 2)).toHaveLength(1);

    const sql = spans.filter((x) => x.scope.includes('instrumentation-pg'));
    if (dialect === 'postgres') {
      // The request's own queries, inside its trace (queries outside any trace are not exported).
      expect(
        sql.some((x) => x.traceId === server?.traceId && /^insert into "password_requests"/.test(String(x.attributes['db.query.text']))),
      ).toBe(true);
      expect(sql.filter((x) => x.parentSpanId === '')).toEqual([]);
    } else {
      expect(sql).toEqual([]);
    }
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT as the switch', () => {
  let s: Setup | undefined;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    s = await setUp('sqlite');
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
    await tearDown(s);
  });

  it('unset: sends nothing, even with the other OTEL_* variables set', async () => {
    const setup = s as Setup;
    const app = await serve(setup, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    await fileAndFinish(app.url, setup.token);
    expect(await stop(app.child)).toBe(0);
    expect(collector.calls()).toEqual([]);
  });

  it('unset: loads none of the SDK', () => {
    // The launcher's path without the variable, then the whole CLI: no OpenTelemetry SDK module is in the module cache.
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(new URL('../dist/observability/tracing.js', import.meta.url).href)}).then((t) => t.startTracing({}));
      await import(${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)});
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /@opentelemetry\\/(sdk-|instrumentation)|@fastify\\/otel/.test(p));
      console.log(JSON.stringify(loaded));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('set alone: exports protobuf, the OTLP default', async () => {
    const setup = s as Setup;
    const app = await serve(setup, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const res = await fetch(`${app.url}/api/v1/requests`, { headers: { authorization: `Bearer ${setup.token}` } });
    expect(res.status).toBe(200);
    expect(await stop(app.child)).toBe(0);
    expect(new Set(collector.calls())).toEqual(new Set(['POST /v1/traces application/x-protobuf']));
  });
});
