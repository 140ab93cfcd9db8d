import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { CallLog, type SandboxCall } from './call-log.js';
import { createDemoOidcProvider, type DemoOidcProvider, OIDC_PREFIX } from './demo-oidc.js';
import type { PendingPush, PushAnswer, SentCode } from './factor-challenges.js';
import { FaultQueue } from './faults.js';
import { loadFixtureFile, type SandboxFixture } from './fixture.js';
import { OAuthServer } from './oauth.js';
import { RateLimiter } from './rate-limiter.js';
import { createSandboxHandler, loggableError } from './sandbox-server.js';
import { SandboxState } from './sandbox-state.js';
import type { SandboxLogEvent } from './system-log.js';

/**
 * The built-in Okta sandbox: a stateful HTTP server that speaks the Okta Management API's wire
 * format (paths, JSON, errors, pagination, rate limits, SSWS and private_key_jwt OAuth), so
 * resetdesk's real Okta client can run against it in tests, the demo and benchmarks.
 */

export type { SandboxCall } from './call-log.js';
export type { PendingPush } from './factor-challenges.js';
export type { SandboxFixture, SandboxFixtureInput } from './fixture.js';
export { loadFixture, loadFixtureFile, parseFixture } from './fixture.js';
export type { SandboxUser } from './sandbox-state.js';
export { totpCode } from './totp.js';

/** Absolute path of `fixtures/demo-okta.json` (works from `src/okta-sandbox` and `dist/okta-sandbox`). */
export const DEMO_FIXTURE_PATH: string = fileURLToPath(new URL('../../fixtures/demo-okta.json', import.meta.url));
/** Absolute path of the demo OAuth client's private key (a published demo key, never a secret). */
export const DEMO_OAUTH_KEY_PATH: string = fileURLToPath(new URL('../../fixtures/demo-okta-oauth-key.pem', import.meta.url));

/** How to start a sandbox. */
export interface SandboxOptions {
  fixture: SandboxFixture;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Added to every response, for benchmarks. */
  latencyMs?: number;
  /** SSWS token accepted on /api/v1; default the fixture's. */
  apiToken?: string;
  /** Overrides the fixture's per-bucket rate limit. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Log one line per request (pino, to stdout). */
  logger?: boolean;
  /**
   * Where listener and connection errors go (their code and message only). Default: the request
   * logger when `logger` is set, else a warn-level pino on stdout.
   */
  errorLogger?: Logger;
  /**
   * Clock in epoch ms for rate-limit windows, token expiry and timestamps; for tests. Also the
   * System Log's and push expiry's clock when given; those default to resetdesk's injectable
   * clock (src/time.ts `nowMs`), so a test that moves it expires a push without sleeping.
   */
  now?: () => number;
  /**
   * Also serve the demo identity provider (OpenID Connect) at `<url>/oidc`, for signing in to
   * the web app as the fixture's users (see demo-oidc.ts). Off unless asked for.
   */
  oidc?: boolean;
}

/** A running sandbox. */
export interface OktaSandbox {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (the "Okta org URL"). */
  url: string;
  /** The SSWS token it accepts. */
  apiToken: string;
  /** Every request so far, in arrival order. */
  calls(): SandboxCall[];
  clearCalls(): void;
  /** Answers the next `count` matching /api/v1 requests with 500 E0000009 (an injected outage). */
  failNext(count: number, match?: { pathPrefix?: string; method?: string }): void;
  /** The org's live state, e.g. a user's status after a reset, or `state.resetEmails`. */
  state: SandboxState;
  /** The demo identity provider, when started with `oidc: true`. */
  oidc: Pick<DemoOidcProvider, 'issuer' | 'registerClient'> | undefined;
  /** Okta Verify pushes waiting for the phone, oldest first (with the number challenge, if any). */
  pendingPushes(): PendingPush[];
  /** The phone's answer to a waiting push; throws when it is unknown or no longer WAITING. */
  answerPush(transactionId: string, answer: PushAnswer): void;
  /** Every SMS / email code the sandbox "sent", oldest first. */
  sentCodes(): SentCode[];
  /** The code the user's ACTIVE `token:software:totp` factor shows at `atMs` (default now); throws when they have none. */
  totpCode(userIdOrLogin: string, atMs?: number): string;
  /** The user sets a new password: `user.account.update_password` logged, RECOVERY / PASSWORD_EXPIRED → ACTIVE. */
  completePasswordChange(userIdOrLogin: string): SandboxLogEvent;
  /** The user's open Okta sessions (0 after `DELETE …/sessions`). */
  sessionCount(userIdOrLogin: string): number;
  /** The System Log, oldest first. */
  logEvents(): SandboxLogEvent[];
  close(): Promise<void>;
}

/** Starts a sandbox on loopback (by default) and resolves once it is listening. */
export async function startOktaSandbox(opts: SandboxOptions): Promise<OktaSandbox> {
  const now = opts.now ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  const apiToken = opts.apiToken ?? opts.fixture.apiToken;
  const state = new SandboxState(opts.fixture, now, opts.now);
  const calls = new CallLog();
  const faults = new FaultQueue();
  let url = '';
  let oidc: DemoOidcProvider | undefined;
  const requestLogger = opts.logger ? pino({ name: 'okta-sandbox' }) : undefined;
  const errorLogger = opts.errorLogger ?? requestLogger ?? pino({ name: 'okta-sandbox', level: 'warn' });
  const server = createServer(
    createSandboxHandler({
      state,
      oauth: new OAuthServer(opts.fixture.oauthClients, now),
      limiter: new RateLimiter(opts.rateLimit ?? opts.fixture.rateLimit, now),
      calls,
      apiToken,
      url: () => url,
      latencyMs: opts.latencyMs ?? 0,
      now,
      faults,
      errorLogger,
      ...(requestLogger ? { logger: requestLogger } : {}),
      oidc: () => oidc,
    }),
  );
  // Lasting handlers: an 'error' nobody listens to would end the process (and in `serve`, the API,
  // worker and dev mailbox with it). Clients that vanish or send garbage cost their own socket only.
  server.on('error', (err: NodeJS.ErrnoException) => errorLogger.error(loggableError(err), 'okta sandbox server error'));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // err.rawPacket holds what the client sent (maybe credentials): never log it.
    errorLogger.debug(loggableError(err), 'okta sandbox client connection error');
    if (err.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
      socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard bind is reached through loopback; brackets make an IPv6 literal a valid URL host.
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  url = `http://${urlHost}:${port}`;
  if (opts.oidc) oidc = await createDemoOidcProvider({ issuer: `${url}${OIDC_PREFIX}`, state, logger: errorLogger });
  return {
    url,
    apiToken,
    calls: () => calls.list(),
    clearCalls: () => calls.clear(),
    failNext: (count, match) => faults.failNext(count, match),
    state,
    oidc,
    pendingPushes: () => state.challenges.pending(),
    answerPush: (transactionId, answer) => {
      state.challenges.answer(transactionId, answer);
    },
    sentCodes: () => state.challenges.sentCodes(),
    totpCode: (userIdOrLogin, atMs) => {
      const user = requireUser(state, userIdOrLogin);
      const factor = user.factors.find((f) => f.factorType === 'token:software:totp' && f.status === 'ACTIVE');
      if (!factor) throw new Error(`${user.login} has no ACTIVE token:software:totp factor`);
      return state.challenges.totpCode(factor, atMs);
    },
    completePasswordChange: (userIdOrLogin) => state.completePasswordChange(requireUser(state, userIdOrLogin)),
    sessionCount: (userIdOrLogin) => state.sessions.get(requireUser(state, userIdOrLogin).id) ?? 0,
    logEvents: () => state.systemLog.list(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections from fetch would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function requireUser(state: SandboxState, userIdOrLogin: string) {
  const user = state.findUser(userIdOrLogin);
  if (!user) throw new Error(`the sandbox has no user "${userIdOrLogin}"`);
  return user;
}

/**
 * Entry point for the `resetdesk` CLI: starts a sandbox (demo fixture by default) and prints
 * one line with its URL and SSWS token.
 */
export async function runSandboxCli(args: { port: number; host?: string; fixturePath?: string; latencyMs?: number }): Promise<OktaSandbox> {
  const fixture = loadFixtureFile(args.fixturePath ?? DEMO_FIXTURE_PATH);
  const sandbox = await startOktaSandbox({
    fixture,
    port: args.port,
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.latencyMs !== undefined ? { latencyMs: args.latencyMs } : {}),
  });
  process.stdout.write(`Okta sandbox listening on ${sandbox.url} (SSWS token: ${sandbox.apiToken})\n`);
  return sandbox;
}
