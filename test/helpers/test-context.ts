import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import type { Logger } from 'pino';
import { type Resetdesk, startResetdesk } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { type DevMailbox, type ReceivedMail, startDevMailbox } from '../../src/connectors/smtp/index.js';
import { type NewApp, upsertApps } from '../../src/db/repositories/app.repository.js';
import { createApiToken } from '../../src/db/repositories/token.repository.js';
import type { PolicyInput } from '../../src/domain/policy.js';
import type { Role } from '../../src/domain/types.js';
import type { components, paths } from '../../src/http/api-types.js';
import { type OktaSandbox, type SandboxFixture, startOktaSandbox } from '../../src/okta-sandbox/index.js';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases.js';
import { TEST_CATALOG, testFixture } from './test-org.js';

/** The typed API client (openapi-fetch over the generated types): what the web app will use. */
type ApiClient = Client<paths>;
type RequestView = components['schemas']['Request'];
type AuditEventView = components['schemas']['AuditEvent'];
type ErrorBody = components['schemas']['Error'];
type CreateRequestBody = components['schemas']['CreateRequest'];
type CreatedView = paths['/api/v1/requests']['post']['responses'][201]['content']['application/json'];

/** A raw call's answer: the body parsed as JSON when it is JSON, else its text; `unknown` until a test narrows it. */
interface RawResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** A typed call's answer, flattened: the status, and the typed body (`data` on success, `error` otherwise). */
interface TypedAnswer<T> {
  status: number;
  data: T | undefined;
  error: ErrorBody | undefined;
  headers: Headers;
}

type RawOptions = { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> };

/**
 * The `{ error: { code, message, details? } }` of a raw answer, or undefined when its body is not
 * in that shape: `errorOf(res)?.code` reads like the typed client's `error?.error.code`.
 */
export function errorOf(res: { body: unknown }): ErrorBody['error'] | undefined {
  const { body } = res;
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const { error } = body;
  if (typeof error !== 'object' || error === null || !('code' in error) || !('message' in error)) return undefined;
  if (typeof error.code !== 'string' || typeof error.message !== 'string') return undefined;
  return { code: error.code, message: error.message, ...('details' in error ? { details: error.details } : {}) };
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
  /** POST /api/v1/requests as the token's holder, through the typed client. */
  create(token: string, body: CreateRequestBody): Promise<TypedAnswer<CreatedView>>;
  /** POST /api/v1/requests/{id}/approve or /deny as the token's holder, through the typed client. */
  decide(id: string, token: string, action: 'approve' | 'deny', body?: { comment?: string }): Promise<TypedAnswer<RequestView>>;
  /**
   * Raw calls, only for what the typed client cannot express: malformed or mistyped bodies, other
   * content types, unknown routes or query parameters. The body is `unknown`: read errors with `errorOf`.
   */
  raw(method: string, path: string, opts?: RawOptions): Promise<RawResponse>;
  /** Polls GET /requests/{id} until its status is one of `statuses`. */
  waitForStatus(id: string, token: string, statuses: RequestView['status'][], timeoutMs?: number): Promise<RequestView>;
  /** Waits until no background job is running, due or waiting to retry (timers set for later, e.g. reminders, are not waited for). */
  idle(timeoutMs?: number): Promise<void>;
  mailTo(address: string): ReceivedMail[];
  /**
   * Starts another resetdesk on the same database, Okta sandbox and mailbox (another instance, or
   * the same service after a restart), with `overrides` over the first one's config (a role, a
   * poll interval); close() stops it.
   */
  startInstance(overrides?: Partial<Config>): Promise<Resetdesk>;
  /** Stops the first instance (`app`), as a crash or a deploy would; close() then leaves it alone. */
  stopApp(): Promise<void>;
  close(): Promise<void>;
}

export interface TestContextOptions {
  fixture?: SandboxFixture;
  /** Extra environment variables for loadConfig (e.g. POLICY_FILE). */
  env?: Record<string, string>;
  /**
   * A policy for this server (written to a POLICY_FILE; JSON is YAML): what it sets, over the
   * defaults. E.g. NO_COOLDOWN for suites that reset one account's app again and again.
   */
  policy?: PolicyInput;
  /** App catalog to import; default the test org's (with the default fixture, the test org). */
  catalog?: NewApp[];
  sandboxRateLimit?: { limit: number; windowSeconds: number };
  /** Added to every sandbox answer, as Okta's round trip would be. */
  sandboxLatencyMs?: number;
  readinessCacheMs?: number;
  /** The server's logger (default: silent); tests that read the logs pass their own. */
  logger?: Logger;
  /**
   * Web sign-in: the sandbox also serves its demo identity provider, configured as resetdesk's
   * OIDC_ISSUER like a real one (its client is registered once resetdesk listens). Walk it with
   * test/helpers/oidc-login.ts.
   */
  oidc?: boolean;
}

/** resetdesk's client at the sandbox's identity provider (tests only). */
const TEST_OIDC_CLIENT = { clientId: 'resetdesk-test', clientSecret: 'test-oidc-secret-not-a-secret' };

/**
 * Starts resetdesk as production runs it — configured with URLs — on a fresh database, against
 * the Okta sandbox over HTTP and a real SMTP listener on loopback.
 */
export async function startTestContext(dialect: TestDialect, opts: TestContextOptions = {}): Promise<TestContext> {
  const database = await createTestDatabase(dialect);
  const sandbox = await startOktaSandbox({
    fixture: opts.fixture ?? testFixture(),
    ...(opts.sandboxRateLimit ? { rateLimit: opts.sandboxRateLimit } : {}),
    ...(opts.sandboxLatencyMs ? { latencyMs: opts.sandboxLatencyMs } : {}),
    ...(opts.oidc ? { oidc: true } : {}),
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
    ...(sandbox.oidc
      ? { OIDC_ISSUER: sandbox.oidc.issuer, OIDC_CLIENT_ID: TEST_OIDC_CLIENT.clientId, OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT.clientSecret }
      : {}),
    ...(opts.policy ? { POLICY_FILE: await writePolicyFile(opts.policy) } : {}),
    ...opts.env,
  });
  const app = await startResetdesk(config, {
    ...(opts.logger ? { logger: opts.logger } : {}),
    workerTuning: { baseBackoffMs: 50, maxBackoffMs: 500 },
    ...(opts.readinessCacheMs !== undefined ? { readinessCacheMs: opts.readinessCacheMs } : {}),
  });
  await upsertApps(app.ctx.db, opts.catalog ?? TEST_CATALOG);
  await sandbox.oidc?.registerClient({
    ...TEST_OIDC_CLIENT,
    redirectUris: [`${app.url}/auth/callback`],
    postLogoutRedirectUris: [`${app.url}/`],
  });

  const instances: Resetdesk[] = [];
  let appStopped = false;

  const client = (token?: string): ApiClient =>
    createClient<paths>({ baseUrl: app.url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

  const raw: TestContext['raw'] = async (method, path, o = {}) => {
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
    return { status: res.status, body: parsed, headers: res.headers };
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
    async create(token, body) {
      const { data, error, response } = await client(token).POST('/api/v1/requests', { body });
      return { status: response.status, data, error, headers: response.headers };
    },
    async decide(id, token, action, body = {}) {
      const as = client(token);
      const options = { params: { path: { id } }, body };
      const { data, error, response } =
        action === 'approve'
          ? await as.POST('/api/v1/requests/{id}/approve', options)
          : await as.POST('/api/v1/requests/{id}/deny', options);
      return { status: response.status, data, error, headers: response.headers };
    },
    client,
    raw,
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
    async startInstance(overrides = {}) {
      const instance = await startResetdesk({ ...config, ...overrides }, { workerTuning: { baseBackoffMs: 50, maxBackoffMs: 500 } });
      instances.push(instance);
      return instance;
    },
    async stopApp() {
      if (appStopped) return;
      appStopped = true;
      await app.stop();
    },
    mailTo: (address) => mailbox.messages().filter((m) => m.to.includes(address)),
    async close() {
      for (const instance of instances) await instance.stop();
      if (!appStopped) await app.stop();
      await sandbox.close();
      await mailbox.close();
      await database.drop();
    },
  };
}

/**
 * The default policy without the reset cooldown, for suites that reset one account's app again
 * and again while testing something else (the cooldown has its own tests in lifecycle.test.ts).
 */
export const NO_COOLDOWN: PolicyInput = { version: 'test-no-cooldown', cooldown: { maxResets: 0 } };

async function writePolicyFile(policy: PolicyInput): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'resetdesk-policy-')), 'policy.yaml');
  await writeFile(path, JSON.stringify(policy, null, 2));
  return path;
}
