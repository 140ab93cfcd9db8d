import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppContext } from './app-context.js';
import type { Config } from './config/config.js';
import { createLlmClient } from './connectors/llm/index.js';
import { createOidcClient } from './connectors/oidc/index.js';
import { createOktaConnector, type OktaConnector, type SharedBudgetLedger } from './connectors/okta/index.js';
import { createServiceNowClient } from './connectors/servicenow/index.js';
import { createSlackConnector } from './connectors/slack/index.js';
import { createSmtpMailer, type DevMailbox, type Mailer, startDevMailbox } from './connectors/smtp/index.js';
import { createTeamsConnector } from './connectors/teams/index.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { countApps, upsertApps } from './db/repositories/app.repository.js';
import { takeOktaBudget } from './db/repositories/okta-budget.repository.js';
import { buildServer } from './http/server.js';
import { clearSessionsJob, resetWatchJob } from './jobs/after-reset.jobs.js';
import { appSyncJob, scheduleAppSync } from './jobs/app-sync.job.js';
import { chatStatusJob } from './jobs/chat-status.job.js';
import { directoryResetJob } from './jobs/directory-reset.job.js';
import { escalationReminderJob, notifyApproversJob } from './jobs/escalation.jobs.js';
import { externalDispatchJob, externalTimeoutJob, notifyExternalFailedJob } from './jobs/external-store.jobs.js';
import { JOB_KINDS } from './jobs/job-kinds.js';
import { listenForJobs } from './jobs/job-notify.js';
import { oktaResetJob } from './jobs/okta-reset.job.js';
import { oktaUnlockJob } from './jobs/okta-unlock.job.js';
import { sendEmailJob } from './jobs/send-email.job.js';
import { serviceNowIncidentJob, serviceNowNoteJob, serviceNowResolveJob } from './jobs/servicenow.jobs.js';
import { slackApprovalPostJob, slackApprovalUpdateJob } from './jobs/slack-approval.jobs.js';
import { teamsApprovalPostJob, teamsApprovalUpdateJob } from './jobs/teams-approval.jobs.js';
import { triageRequestJob } from './jobs/triage-request.job.js';
import { verifyPushJob } from './jobs/verify-push.job.js';
import { waitingTimeoutJob } from './jobs/waiting-timeout.job.js';
import { createWorker, type Worker, type WorkerOptions } from './jobs/worker.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type OktaSandbox, startOktaSandbox } from './okta-sandbox/index.js';
import { parseAppsCsv } from './services/app-csv.js';
import { buildCredentialStores } from './services/credential-stores.js';
import { readFilePolicySource, startPolicyService } from './services/policy.service.js';
import { createIdentityResolver } from './services/separation-of-duties.js';
import type { SignIn } from './services/sign-in.service.js';
import { registerSlackApprovals } from './services/slack-approval.service.js';
import { registerSlackChannel } from './services/slack-channel.service.js';
import { PROJECT_ROOT, VERSION } from './version.js';

export const DEMO_APPS_CSV = join(PROJECT_ROOT, 'fixtures', 'demo-apps.csv');

export interface StartOptions {
  logger?: Logger;
  /** Start the HTTP listener (default true). */
  listen?: boolean;
  /** Run the background worker in this process (default true). */
  worker?: boolean;
  /** Worker tuning for tests: fast retries. */
  workerTuning?: Pick<WorkerOptions, 'baseBackoffMs' | 'maxBackoffMs' | 'leaseMs'>;
  /** Added latency of the embedded sandbox, for benchmarks. */
  sandboxLatencyMs?: number;
  /** How long /readyz reuses Okta's answer (tests set 0). */
  readinessCacheMs?: number;
  /** Where the built web app is (default dist/web). */
  webAppRoot?: string;
}

/** A running resetdesk: what `serve` starts and what tests and benchmarks drive. */
export interface Resetdesk {
  ctx: AppContext;
  server: FastifyInstance;
  worker: Worker;
  /** http://host:port once listening. */
  url: string;
  sandbox: OktaSandbox | undefined;
  devMailbox: DevMailbox | undefined;
  database: DatabaseHandle;
  stop(): Promise<void>;
}

/** Builds and starts every part from a parsed Config. Stops what it started if a step fails. */
export async function startResetdesk(config: Config, opts: StartOptions = {}): Promise<Resetdesk> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    const policyFile = readFilePolicySource(config.policyFile);
    const database = openDatabase(config.databaseUrl, (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
    cleanups.push(() => database.close());
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    const policies = await startPolicyService({ config, db: database.db, logger, file: policyFile });
    cleanups.push(() => policies.stop());

    // Its own registry: several instances may run in one process (tests, benchmarks).
    const metrics = createMetrics();
    // Instances on one PostgreSQL share Okta's budget through it; SQLite runs one instance.
    const budgetLedger: SharedBudgetLedger | undefined =
      database.dialect === 'postgres' ? { take: (ask) => takeOktaBudget(database.db, 'postgres', ask) } : undefined;
    const { okta, sandbox } = await connectOkta(config, logger, opts.sandboxLatencyMs, metrics, budgetLedger);
    if (sandbox) cleanups.push(() => sandbox.close());
    if (sandbox && config.okta.kind === 'sandbox' && !config.okta.fixturePath && (await countApps(database.db)) === 0) {
      // First start of the demo: give the sandbox's apps a catalog so requests can be tried at once.
      const result = await upsertApps(database.db, parseAppsCsv(readFileSync(DEMO_APPS_CSV, 'utf8')));
      logger.info({ apps: result.created }, 'demo app catalog imported');
    }

    const { mailer, devMailbox } = await connectMail(config, logger);
    if (devMailbox && !sandbox) {
      logger.warn('SMTP_URL is not set: emails go to the built-in dev mailbox (admins: GET /dev/mailbox) and reach nobody');
    }
    cleanups.push(() => mailer.close());
    if (devMailbox) cleanups.push(() => devMailbox.close());

    let listening: string | undefined;
    const { signIn, demoClient } = connectSignIn(config, sandbox, () => config.publicUrl ?? listening);
    let worker: Worker | undefined;
    const ctx: AppContext = {
      config,
      db: database.db,
      dialect: database.dialect,
      logger,
      okta,
      mailer,
      ...(config.serviceNow ? { serviceNow: createServiceNowClient(config.serviceNow, { logger }) } : {}),
      ...(config.slack ? { slack: createSlackConnector(config.slack, { logger }) } : {}),
      ...(config.teams ? { teams: createTeamsConnector(config.teams, { logger }) } : {}),
      ...(config.llm ? { llm: createLlmClient(config.llm) } : {}),
      stores: buildCredentialStores(config.stores, { logger }),
      baseUrl: () => config.publicUrl ?? listening,
      get policy() {
        return policies.current.policy;
      },
      policies,
      identities: createIdentityResolver(okta),
      ...(signIn ? { signIn } : {}),
      wakeWorker: () => worker?.wake(),
      metrics,
    };
    metrics.watch({ db: database.db, rateLimits: () => okta.rateLimits() });
    const running = createWorker({
      db: database.db,
      handlers: [
        triageRequestJob(ctx),
        sendEmailJob(ctx),
        oktaResetJob(ctx),
        oktaUnlockJob(ctx),
        clearSessionsJob(ctx),
        resetWatchJob(ctx),
        waitingTimeoutJob(ctx),
        verifyPushJob(ctx),
        notifyApproversJob(ctx),
        escalationReminderJob(ctx),
        serviceNowIncidentJob(ctx),
        serviceNowNoteJob(ctx),
        serviceNowResolveJob(ctx),
        directoryResetJob(ctx),
        externalDispatchJob(ctx),
        externalTimeoutJob(ctx),
        notifyExternalFailedJob(ctx),
        chatStatusJob(ctx),
        slackApprovalPostJob(ctx),
        slackApprovalUpdateJob(ctx),
        teamsApprovalPostJob(ctx),
        teamsApprovalUpdateJob(ctx),
        appSyncJob(ctx),
      ],
      logger,
      concurrency: config.worker.concurrency,
      // Triage waits on Okta, not on CPU: as many run as Okta's read budget has room for.
      lanes: [
        {
          kinds: [JOB_KINDS.triage],
          // Each running triage may still spend one call of every read bucket's budget.
          admit: (running) => Math.min(config.worker.triageMaxInFlight, okta.readHeadroom()) - running,
        },
      ],
      pollMs: config.worker.pollMs,
      leaseMs: config.worker.leaseMs,
      dialect: database.dialect,
      onJobFinished: (kind, outcome, seconds) => metrics.jobFinished(kind, outcome, seconds),
      ...opts.workerTuning,
    });
    worker = running;
    // The scheduled catalog sync: every instance schedules the same due time; one job runs it.
    if (config.oktaAppsSyncMinutes !== undefined) await scheduleAppSync(database.db, config.oktaAppsSyncMinutes);
    if (ctx.slack) {
      registerSlackChannel(ctx, ctx.slack);
      registerSlackApprovals(ctx, ctx.slack);
      // Socket Mode (SLACK_APP_TOKEN): connects in the background, once the listeners are in place.
      const slack = ctx.slack;
      slack.start();
      cleanups.push(() => slack.stop());
    }
    const server = await buildServer(ctx, {
      version: VERSION,
      demo: sandbox !== undefined,
      // A worker-role instance answers health checks only; the API is the api instances' job.
      probesOnly: config.role === 'worker',
      ...(devMailbox ? { devMailbox } : {}),
      ...(opts.readinessCacheMs !== undefined ? { readinessCacheMs: opts.readinessCacheMs } : {}),
      ...(opts.webAppRoot ? { webAppRoot: opts.webAppRoot } : {}),
    });
    cleanups.push(() => server.close());
    // Lasting: a listener 'error' (e.g. accept failing with EMFILE) is logged, never fatal to the process.
    server.server.on('error', (err: NodeJS.ErrnoException) => logger.error({ code: err.code, error: err.message }, 'HTTP server error'));

    let url = '';
    if (opts.listen !== false) {
      url = await server.listen({ port: config.port, host: config.host });
      // Only now is the port known (PORT=0): the sign-in redirect URI is built from it.
      listening = loopbackUrl(config.host, (server.server.address() as AddressInfo).port);
    }
    const base = config.publicUrl ?? listening;
    if (demoClient && sandbox?.oidc && base) {
      await sandbox.oidc.registerClient({ ...demoClient, redirectUris: [`${base}/auth/callback`], postLogoutRedirectUris: [`${base}/`] });
      logger.info({ url: `${base}/` }, 'demo sign-in: open the web app and choose a demo user');
    }
    if (opts.worker !== false && config.role !== 'api') {
      running.start();
      const notifications = database.dialect === 'postgres' ? listenForJobs(config.databaseUrl, running.wake, logger) : undefined;
      // Shutdown (SIGTERM): stop taking HTTP requests and new jobs together, give running jobs
      // SHUTDOWN_DRAIN_MS to finish, and hand the rest to the other instances.
      cleanups.push(async () => {
        await notifications?.close();
        await Promise.all([server.close(), running.stop(config.worker.shutdownDrainMs)]);
      });
    }
    return { ctx, server, worker: running, url, sandbox, devMailbox, database, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

async function connectOkta(
  config: Config,
  logger: Logger,
  latencyMs: number | undefined,
  metrics: Metrics,
  budgetLedger: SharedBudgetLedger | undefined,
): Promise<{ okta: OktaConnector; sandbox: OktaSandbox | undefined }> {
  const oktaLogger = logger.child({ connector: 'okta' });
  const options = { logger: oktaLogger, observer: metrics.okta, ...(budgetLedger ? { budgetLedger } : {}) };
  if (config.okta.kind === 'org') {
    return {
      okta: createOktaConnector({ orgUrl: config.okta.orgUrl, auth: config.okta.auth }, options),
      sandbox: undefined,
    };
  }
  const fixture = loadFixtureFile(config.okta.fixturePath ?? DEMO_FIXTURE_PATH);
  const sandbox = await startOktaSandbox({
    fixture,
    port: config.okta.port,
    // The demo's identity provider, unless a real one is configured.
    oidc: config.signIn.oidc === undefined,
    errorLogger: logger.child({ component: 'okta-sandbox' }),
    ...(latencyMs ? { latencyMs } : {}),
  });
  logger.info({ url: sandbox.url }, 'embedded Okta sandbox started (no OKTA_ORG_URL configured)');
  const okta = createOktaConnector({ orgUrl: sandbox.url, auth: { kind: 'ssws', token: sandbox.apiToken } }, options);
  return { okta, sandbox };
}

/**
 * Sign-in for the web app: the configured OpenID provider, else the sandbox's demo provider with
 * a client of its own (registered once resetdesk knows its address), else none.
 */
function connectSignIn(
  config: Config,
  sandbox: OktaSandbox | undefined,
  baseUrl: () => string | undefined,
): { signIn: SignIn | undefined; demoClient?: { clientId: string; clientSecret: string } } {
  if (config.signIn.oidc) return { signIn: { oidc: createOidcClient(config.signIn.oidc), baseUrl } };
  if (!sandbox?.oidc) return { signIn: undefined };
  const demoClient = { clientId: 'resetdesk-demo', clientSecret: randomBytes(24).toString('base64url') };
  return { signIn: { oidc: createOidcClient({ issuer: sandbox.oidc.issuer, ...demoClient }), baseUrl }, demoClient };
}

/** How a browser on this machine reaches a listener: a wildcard bind through loopback, IPv6 in brackets. */
function loopbackUrl(host: string, port: number): string {
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${urlHost}:${port}`;
}

async function connectMail(config: Config, logger: Logger): Promise<{ mailer: Mailer; devMailbox: DevMailbox | undefined }> {
  if (config.smtpUrl) return { mailer: createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom }), devMailbox: undefined };
  const devMailbox = await startDevMailbox({ logger: logger.child({ component: 'dev-mailbox' }) });
  return { mailer: createSmtpMailer({ url: devMailbox.url, from: config.mailFrom }), devMailbox };
}
