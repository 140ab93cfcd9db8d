import createClient, { type Client } from 'openapi-fetch';
import type { Logger } from 'pino';
import { type Resetdesk, startResetdesk } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { type DevMailbox, type ReceivedMail, startDevMailbox } from '../../src/connectors/smtp/index.js';
import { type NewApp, upsertApps } from '../../src/db/repositories/app.repository.js';
import { createApiToken } from '../../src/db/repositories/token.repository.js';
import type { Role } from '../../src/domain/types.js';
import type { components, paths } from '../../src/http/api-types.js';
import { type OktaSandbox, type SandboxFixture, startOktaSandbox } from '../../src/okta-sandbox/index.js';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases.js';
import { TEST_CATALOG, testFixture } from './test-org.js';

/** The typed API client (openapi-fetch over the generated types): what the web app will use. */
type ApiClient = Client<paths>;
type RequestView = components['schemas']['Request'];
type AuditEventView = components['schemas']['AuditEvent'];

interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestContext {
  app: Resetdesk;
  url: string;
  sandbox: OktaSandbox;
  mailbox: DevMailbox;
  database: TestDatabase;
  token(email: string, role?: Role): Promise<string>;
  /** A typed client calling as the token's holder (or anonymously). */
  client(token?: string): ApiClient;
  /** GET /api/v1/requests/{id} as the token's holder: the typed view, or a failed assertion. */
  request(id: string, token: string): Promise<RequestView>;
  /** GET /api/v1/requests/{id}/events as the token's holder. */
  events(id: string, token: string): Promise<AuditEventView[]>;
  /** Untyped raw calls, for malformed input the typed client cannot express. */
  api<T = any>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  /** Polls GET /requests/{id} until its status is one of `statuses`. */
  waitForStatus(id: string, token: string, statuses: RequestView['status'][], timeoutMs?: number): Promise<RequestView>;
  /** Waits until no background job is pending or running. */
  idle(timeoutMs?: number): Promise<void>;
  mailTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

export interface TestContextOptions {
  fixture?: SandboxFixture;
  /** Extra environment variables for loadConfig (e.g. POLICY_FILE). */
  env?: Record<string, string>;
  /** App catalog to import; default the test org's (with the default fixture, the test org). */
  catalog?: NewApp[];
  sandboxRateLimit?: { limit: number; windowSeconds: number };
  readinessCacheMs?: number;
  /** The server's logger (default: silent); tests that read the logs pass their own. */
  logger?: Logger;
}

/**
 * Starts resetdesk as production runs it — configured with URLs — on a fresh database, against
 * the Okta sandbox over HTTP and a real SMTP listener on loopback.
 */
export async function startTestContext(dialect: TestDialect, opts: TestContextOptions = {}): Promise<TestContext> {
  const database = await createTestDatabase(dialect);
  const sandbox = await startOktaSandbox({
    fixture: opts.fixture ?? testFixture(),
    ...(opts.sandboxRateLimit ? { rateLimit: opts.sandboxRateLimit } : {}),
  });
  const mailbox = await startDevMailbox();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    OKTA_ORG_URL: sandbox.url,
    OKTA_API_TOKEN: sandbox.apiToken,
    SMTP_URL: mailbox.url,
    MAIL_FROM: 'IT Support <it-support@example.com>',
    LOG_LEVEL: 'silent',
    WORKER_POLL_MS: '50',
    ...opts.env,
  });
  const app = await startResetdesk(config, {
    ...(opts.logger ? { logger: opts.logger } : {}),
    workerTuning: { baseBackoffMs: 50, maxBackoffMs: 500 },
    ...(opts.readinessCacheMs !== undefined ? { readinessCacheMs: opts.readinessCacheMs } : {}),
  });
  await upsertApps(app.ctx.db, opts.catalog ?? TEST_CATALOG);

  const client = (token?: string): ApiClient =>
    createClient<paths>({ baseUrl: app.url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

  const api: TestContext['api'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${app.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };

  return {
    app,
    url: app.url,
    sandbox,
    mailbox,
    database,
    async token(email, role = 'requester') {
      return (await createApiToken(app.ctx.db, { email, role })).token;
    },
    async request(id, token) {
      const { data, error } = await client(token).GET('/api/v1/requests/{id}', { params: { path: { id } } });
      if (!data) throw new Error(`GET /api/v1/requests/${id}: ${JSON.stringify(error)}`);
      return data;
    },
    async events(id, token) {
      const { data, error } = await client(token).GET('/api/v1/requests/{id}/events', { params: { path: { id } } });
      if (!data) throw new Error(`GET /api/v1/requests/${id}/events: ${JSON.stringify(error)}`);
      return data.events;
    },
    client,
    api,
    async waitForStatus(id, token, statuses, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const as = client(token);
      let last: unknown;
      while (Date.now() < deadline) {
        const { data, error } = await as.GET('/api/v1/requests/{id}', { params: { path: { id } } });
        last = data?.status ?? error;
        if (data && statuses.includes(data.status)) return data;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`request ${id} did not reach ${statuses.join('|')} (last: ${JSON.stringify(last)})`);
    },
    idle: (timeoutMs) => app.worker.idle(timeoutMs),
    mailTo: (address) => mailbox.messages().filter((m) => m.to.includes(address)),
    async close() {
      await app.stop();
      await sandbox.close();
      await mailbox.close();
      await database.drop();
    },
  };
}
