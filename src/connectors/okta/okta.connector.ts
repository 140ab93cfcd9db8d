/**
 * The Okta connector: the Management API calls resetdesk needs, as an HTTP client.
 *
 * Why plain fetch and not @okta/okta-sdk-nodejs: the product's rate-limit bar ("never exceed
 * the remaining budget; 429 waits for X-Rate-Limit-Reset") needs per-bucket control of
 * X-Rate-Limit-* headers, our own retry/idempotency rules and per-attempt timeouts, which the
 * SDK hides behind its own request executor; the built-in sandbox and tests run on http://
 * loopback, which the SDK's org-URL validation rejects; and a dozen endpoints do not justify a
 * large dependency tree in a self-hosted service. The OAuth client assertion is ~20 lines of
 * node:crypto.
 *
 * Writes: `resetPassword` is NOT retried once Okta may have acted on it. Okta's
 * `reset_password?sendEmail=true` mails a new one-time link on every call (and voids the
 * previous one), so a blind retry after a timeout could send a second email. It is retried only
 * on 429, 503 and connection failures (Okta certainly did nothing). Other failures throw
 * OKTA_UNAVAILABLE with `details.outcomeUnknown = true`; the caller's job, which owns the
 * idempotency key, then decides on a retry whether the reset happened: RECOVERY counts only when
 * Okta's statusChanged is later than the job (see jobs/okta-reset.job.ts).
 *
 * `verifyFactor` follows the same rule: a second push would buzz the phone again (and a second
 * SMS cost a message), so it is only retried when Okta certainly did nothing; otherwise
 * OKTA_UNAVAILABLE with `details.outcomeUnknown`. The pass code travels only in the request body,
 * which OktaHttp never logs nor puts in errors. `unlockUser` and `clearUserSessions` are
 * retried like reads: doing them twice changes nothing (a second unlock is answered E0000032).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type {
  FactorVerification,
  OktaAppInfo,
  OktaDetails,
  OktaFactor,
  OktaGroup,
  OktaLogEvent,
  OktaRole,
  OktaUser,
  UserLookup,
} from '../../domain/okta-facts.js';
import { AppError } from '../../errors/error-codes.js';
import { VERSION } from '../../version.js';
import { nextLinkUrl } from './link-header.js';
import { createOktaCredentials } from './okta-auth.js';
import type { SharedBudgetLedger } from './okta-cluster-budget.js';
import { OktaApiError } from './okta-errors.js';
import { type OktaCallObserver, OktaHttp, type OktaLogger } from './okta-http.js';
import type { OktaRateBudget } from './okta-rate-limiter.js';
import {
  toFactorVerification,
  toOktaApp,
  toOktaFactors,
  toOktaGroups,
  toOktaLogEvents,
  toOktaRoles,
  toOktaUser,
} from './okta-responses.js';
import { TtlCache } from './ttl-cache.js';
import type { OktaConfig } from './types.js';

export interface OktaConnector {
  /** By `profile.login`, then `profile.email`; `ambiguous.count` is at least 2 (one page of 2 is read). */
  findUser(loginOrEmail: string): Promise<UserLookup>;
  /** null when Okta has no such user. */
  getUser(userId: string): Promise<OktaUser | null>;
  /** null when Okta answers 404; cached for `appCacheTtlMs`. */
  getApp(appId: string): Promise<OktaAppInfo | null>;
  isAssigned(appId: string, userId: string): Promise<boolean>;
  listAdminRoles(userId: string): Promise<OktaRole[]>;
  listGroups(userId: string): Promise<OktaGroup[]>;
  listFactors(userId: string): Promise<OktaFactor[]>;
  /**
   * The group with exactly this `profile.name` (`GET /api/v1/groups?search=profile.name eq "…"`,
   * then an exact match; a case-insensitive one when no exact one exists); null when Okta has
   * none. Several groups of that name fail with OKTA_ERROR naming them. Cached for `groupCacheTtlMs`.
   */
  findGroupByName(name: string): Promise<OktaGroup | null>;
  /**
   * The group's ACTIVE members (`GET /api/v1/groups/{groupId}/users`, every page); null when Okta
   * answers 404. Cached for `groupCacheTtlMs`.
   */
  listGroupMembers(groupId: string): Promise<OktaUser[] | null>;
  /** The five checks that need the user id, in parallel: one Okta round trip of latency. */
  getDetails(appId: string, userId: string): Promise<OktaDetails>;
  /** Okta emails the user a reset link and moves them to RECOVERY. See the header on retries. */
  resetPassword(userId: string): Promise<void>;
  /**
   * Starts or answers a factor challenge (`POST /api/v1/users/{userId}/factors/{factorId}/verify`):
   * without `passCode` a push is sent (WAITING, with a poll link and maybe a number challenge) or
   * an SMS / email code is issued (CHALLENGE); with `passCode` the code is checked (SUCCESS, or
   * REJECTED for a wrong code — Okta's 403 E0000068 is an answer here, not an error). Never retried
   * blindly (a second push would reach the phone). The code is never logged.
   */
  verifyFactor(userId: string, factorId: string, answer?: { passCode: string }): Promise<FactorVerification>;
  /**
   * Reads a push transaction (the `poll` link verifyFactor returned): WAITING until the phone
   * answers, then SUCCESS, REJECTED or TIMEOUT. A link that is not a factor transaction on orgUrl
   * is refused (OKTA_ERROR) without any request: our credential never goes anywhere else.
   */
  pollFactorTransaction(pollUrl: string): Promise<FactorVerification>;
  /**
   * `POST /api/v1/users/{id}/lifecycle/unlock`: LOCKED_OUT → ACTIVE. A user who is not locked out
   * is Okta's 403 E0000032 ("Unlock is not allowed for this user"), thrown as OKTA_ERROR with that
   * `oktaErrorCode`: the caller reads the user's status to tell "already unlocked" from "refused".
   */
  unlockUser(userId: string): Promise<void>;
  /** `DELETE /api/v1/users/{id}/sessions`: ends every Okta session of the user. */
  clearUserSessions(userId: string): Promise<void>;
  /**
   * The user's password events since `since` (`GET /api/v1/logs`, filtered on the user as target
   * and the event types), oldest first, every page.
   */
  listPasswordEvents(userId: string, since: string, eventTypes: readonly string[]): Promise<OktaLogEvent[]>;
  /**
   * Every app of the org, ACTIVE and INACTIVE (`GET /api/v1/apps`, every page through the `Link`
   * headers, each page through the rate limiter). `pageSize`: Okta's `limit`, at most 200.
   */
  listApps(pageSize?: number): Promise<OktaAppInfo[]>;
  /**
   * How many users Okta assigns to the app (`GET /api/v1/apps/{appId}/users`, every page through
   * the `Link` headers, each page through the rate limiter, counted). For the coverage report.
   */
  countAppUsers(appId: string): Promise<number>;
  /** Readiness probe: throws an AppError when Okta is unreachable or rejects our credentials. */
  ping(): Promise<void>;
  /** The rate-limit budget of each bucket called so far, as Okta last reported it. */
  rateLimits(): OktaRateBudget[];
  /**
   * Okta's read (GET) budget left in the current window, on the tightest bucket (see
   * OktaRateLimiter.headroom: 0 while a read waits, 1 before the first answer). Triage only
   * reads, at most once per bucket, so it bounds how many triages may run at once.
   */
  readHeadroom(): number;
}

export interface OktaConnectorOptions {
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: OktaLogger;
  /** Told of every call's status and duration (metrics); nothing when unset. */
  observer?: OktaCallObserver;
  /** For tests of jitter; Math.random otherwise. */
  random?: () => number;
  /** Okta's budget shared by every instance on one database (PostgreSQL); unset with one instance. */
  budgetLedger?: SharedBudgetLedger;
}

/** Okta filter string literal: backslash and double quote are escaped. */
export function oktaFilterLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const id = (value: string): string => encodeURIComponent(value);

/** Okta's System Log page size when asked for none; a shorter page is the last one for now. */
const LOG_PAGE_SIZE = 100;
const MAX_LOG_PAGES = 100;
/** Push factor ids remembered from listFactors (to ask for a number matching push); a bound, not a limit. */
const MAX_KNOWN_PUSH_FACTORS = 10_000;
/** The path of a push transaction under orgUrl (`_links.poll.href`). */
const TRANSACTION_PATH = /^\/api\/v1\/users\/[^/]+\/factors\/[^/]+\/transactions\/[^/]+$/;

/** Builds the connector from validated settings; callers use `oktaConnector.create` (index.ts). */
export function buildOktaConnector(cfg: OktaConfig, opts: OktaConnectorOptions = {}): OktaConnector {
  const now = opts.now ?? Date.now;
  const http = new OktaHttp(
    {
      orgUrl: cfg.orgUrl,
      timeoutMs: cfg.timeoutMs,
      maxRetries: cfg.maxRetries,
      userAgent: cfg.userAgent ?? `resetdesk/${VERSION}`,
      fetch: opts.fetch ?? globalThis.fetch,
      now,
      sleep: opts.sleep ?? ((ms) => delay(ms)),
      random: opts.random ?? Math.random,
      logger: opts.logger,
      observer: opts.observer,
      ledger: opts.budgetLedger,
    },
    (core) =>
      createOktaCredentials(cfg.auth, {
        orgUrl: cfg.orgUrl,
        now,
        requestToken: (form) =>
          core.request({
            method: 'POST',
            url: '/oauth2/v1/token',
            bucket: 'POST /oauth2/v1/token',
            form,
            authenticated: false,
            // Asking twice for a token is harmless.
            idempotent: true,
            errorStyle: 'oauth',
          }),
      }),
  );
  const appCache = new TtlCache<OktaAppInfo | null>(cfg.appCacheTtlMs, now);
  const groupCache = new TtlCache<OktaGroup | null>(cfg.groupCacheTtlMs, now);
  const memberCache = new TtlCache<OktaUser[] | null>(cfg.groupCacheTtlMs, now);
  /**
   * Push factors seen in listFactors. A factor's id and type never change, so this is not a cache
   * that can go stale: it lets verifyFactor ask for a number matching push (the requester picks
   * on the phone the number resetdesk shows) while the interface takes only ids. Unknown ids get
   * the body-less verify, which is a plain push for a push factor.
   */
  const pushFactors = new Set<string>();
  const orgPath = new URL(cfg.orgUrl).pathname.replace(/\/+$/, '');

  async function usersByFilter(filter: string): Promise<unknown[]> {
    const res = await http.request({
      method: 'GET',
      url: '/api/v1/users',
      bucket: 'GET /api/v1/users',
      query: { filter, limit: '2' },
      idempotent: true,
    });
    if (!Array.isArray(res.body)) throw new AppError('OKTA_ERROR', 'Okta answered GET /api/v1/users with something other than a list');
    return res.body as unknown[];
  }

  const connector: OktaConnector = {
    async findUser(loginOrEmail) {
      const value = loginOrEmail.trim();
      if (value === '') return { kind: 'not_found' };
      for (const attribute of ['profile.login', 'profile.email']) {
        const users = await usersByFilter(`${attribute} eq ${oktaFilterLiteral(value)}`);
        if (users.length === 1) return { kind: 'found', user: toOktaUser(users[0]) };
        if (users.length > 1) return { kind: 'ambiguous', count: users.length };
      }
      return { kind: 'not_found' };
    },

    async getUser(userId) {
      const res = await http.request({
        method: 'GET',
        url: `/api/v1/users/${id(userId)}`,
        bucket: 'GET /api/v1/users/{id}',
        passStatuses: [404],
        idempotent: true,
      });
      return res.status === 404 ? null : toOktaUser(res.body);
    },

    getApp(appId) {
      return appCache.getOrLoad(appId, async () => {
        const res = await http.request({
          method: 'GET',
          url: `/api/v1/apps/${id(appId)}`,
          bucket: 'GET /api/v1/apps/{appId}',
          passStatuses: [404],
          idempotent: true,
        });
        return res.status === 404 ? null : toOktaApp(res.body);
      });
    },

    async isAssigned(appId, userId) {
      const res = await http.request({
        method: 'GET',
        url: `/api/v1/apps/${id(appId)}/users/${id(userId)}`,
        bucket: 'GET /api/v1/apps/{appId}/users/{userId}',
        passStatuses: [404],
        idempotent: true,
      });
      return res.status !== 404;
    },

    async listAdminRoles(userId) {
      return toOktaRoles(await http.listAll(`/api/v1/users/${id(userId)}/roles`, 'GET /api/v1/users/{userId}/roles'));
    },

    async listGroups(userId) {
      return toOktaGroups(await http.listAll(`/api/v1/users/${id(userId)}/groups`, 'GET /api/v1/users/{id}/groups'));
    },

    async listFactors(userId) {
      const factors = toOktaFactors(await http.listAll(`/api/v1/users/${id(userId)}/factors`, 'GET /api/v1/users/{userId}/factors'));
      for (const f of factors) {
        if (f.factorType === 'push' && pushFactors.size < MAX_KNOWN_PUSH_FACTORS) pushFactors.add(f.id);
      }
      return factors;
    },

    findGroupByName(name) {
      const wanted = name.trim();
      return groupCache.getOrLoad(wanted.toLowerCase(), async () => {
        if (wanted === '') return null;
        // `search` (not `q`, which is a prefix match that cannot be paged): profile.name eq is an
        // exact match in Okta, case-insensitive; the exact spelling is preferred below.
        const all = toOktaGroups(
          await http.listAll('/api/v1/groups', 'GET /api/v1/groups', { search: `profile.name eq ${oktaFilterLiteral(wanted)}` }),
        );
        const exact = all.filter((g) => g.name === wanted);
        const matches = exact.length > 0 ? exact : all.filter((g) => g.name.trim().toLowerCase() === wanted.toLowerCase());
        if (matches.length > 1) {
          throw new AppError(
            'OKTA_ERROR',
            `Okta has ${matches.length} groups named "${wanted}" (${matches.map((g) => g.id).join(', ')}); give the approver group a unique name`,
          );
        }
        return matches[0] ?? null;
      });
    },

    listGroupMembers(groupId) {
      return memberCache.getOrLoad(groupId, async () => {
        try {
          const users = (await http.listAll(`/api/v1/groups/${id(groupId)}/users`, 'GET /api/v1/groups/{groupId}/users')).map(toOktaUser);
          return users.filter((u) => u.status === 'ACTIVE');
        } catch (err) {
          if (err instanceof OktaApiError && err.httpStatus === 404) return null;
          throw err;
        }
      });
    },

    async getDetails(appId, userId) {
      const [app, assigned, roles, groups, factors] = await Promise.all([
        connector.getApp(appId),
        connector.isAssigned(appId, userId),
        connector.listAdminRoles(userId),
        connector.listGroups(userId),
        connector.listFactors(userId),
      ]);
      return { app, assigned, roles, groups, factors };
    },

    async resetPassword(userId) {
      await http.request({
        method: 'POST',
        url: `/api/v1/users/${id(userId)}/lifecycle/reset_password`,
        bucket: 'POST /api/v1/users/{id}/lifecycle/reset_password',
        query: { sendEmail: 'true' },
        idempotent: false,
      });
    },

    async verifyFactor(userId, factorId, answer) {
      const json = answer ? { passCode: answer.passCode } : pushFactors.has(factorId) ? { useNumberMatchingChallenge: true } : undefined;
      try {
        const res = await http.request({
          method: 'POST',
          url: `/api/v1/users/${id(userId)}/factors/${id(factorId)}/verify`,
          bucket: 'POST /api/v1/users/{userId}/factors/{factorId}/verify',
          ...(json ? { json } : {}),
          // A resend would push the phone (or text the user) a second time.
          idempotent: false,
        });
        return toFactorVerification(res.body, 'factor verification');
      } catch (err) {
        // A wrong code is the person's answer, not a failure of the call.
        if (err instanceof OktaApiError && err.oktaErrorCode === 'E0000068') {
          return { result: 'REJECTED', pollUrl: null, numberChallenge: null, expiresAt: null };
        }
        throw err;
      }
    },

    async pollFactorTransaction(pollUrl) {
      let path: string | undefined;
      try {
        const url = new URL(pollUrl);
        if (http.isOrgUrl(pollUrl) && url.search === '' && url.hash === '' && url.username === '' && url.password === '') {
          path = url.pathname.slice(orgPath.length);
        }
      } catch {
        path = undefined;
      }
      if (path === undefined || !TRANSACTION_PATH.test(path)) {
        throw new AppError('OKTA_ERROR', 'Refusing to poll a push transaction link that is not a factor transaction on orgUrl');
      }
      const res = await http.request({
        method: 'GET',
        url: pollUrl,
        bucket: 'GET /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}',
        idempotent: true,
      });
      return toFactorVerification(res.body, 'push transaction');
    },

    async unlockUser(userId) {
      await http.request({
        method: 'POST',
        url: `/api/v1/users/${id(userId)}/lifecycle/unlock`,
        bucket: 'POST /api/v1/users/{id}/lifecycle/unlock',
        idempotent: true,
      });
    },

    async clearUserSessions(userId) {
      await http.request({
        method: 'DELETE',
        url: `/api/v1/users/${id(userId)}/sessions`,
        bucket: 'DELETE /api/v1/users/{userId}/sessions',
        idempotent: true,
      });
    },

    async listPasswordEvents(userId, since, eventTypes) {
      if (eventTypes.length === 0) return [];
      const types = eventTypes.map((t) => `eventType eq ${oktaFilterLiteral(t)}`).join(' or ');
      const bucket = 'GET /api/v1/logs';
      // A polling query (since, no until, ascending): Okta always sends a next link, because
      // events may still arrive. A page shorter than the page size is the end for now; the
      // caller reads again later with the same `since`.
      let next: { url: string; query?: Record<string, string> } | undefined = {
        url: '/api/v1/logs',
        query: {
          since,
          filter: `target.id eq ${oktaFilterLiteral(userId)} and (${types})`,
          sortOrder: 'ASCENDING',
          limit: String(LOG_PAGE_SIZE),
        },
      };
      const events: OktaLogEvent[] = [];
      const seen = new Set<string>();
      for (let page = 1; next; page += 1) {
        if (page > MAX_LOG_PAGES) throw new AppError('OKTA_ERROR', `Okta returned more than ${MAX_LOG_PAGES} pages for ${bucket}`);
        const res = await http.request({ method: 'GET', bucket, idempotent: true, ...next });
        if (!Array.isArray(res.body)) throw new AppError('OKTA_ERROR', `Okta answered ${bucket} with something other than a list`);
        events.push(...toOktaLogEvents(res.body as unknown[]));
        if (res.body.length < LOG_PAGE_SIZE) break;
        const link = nextLinkUrl(res.headers.get('link'), res.url);
        if (!link || link === res.url || seen.has(link)) break;
        if (!http.isOrgUrl(link)) {
          throw new AppError('OKTA_ERROR', `Okta's next link for ${bucket} points outside orgUrl (${new URL(link).origin}); not followed`);
        }
        seen.add(link);
        next = { url: link };
      }
      return events;
    },

    async listApps(pageSize = 200) {
      const limit = String(Math.min(Math.max(Math.trunc(pageSize), 1), 200));
      const apps = await http.listAll('/api/v1/apps', 'GET /api/v1/apps', { limit });
      return apps.map(toOktaApp);
    },

    async countAppUsers(appId) {
      // 500 is Okta's largest page of app users: the fewest calls against the rate budget.
      const users = await http.listAll(`/api/v1/apps/${id(appId)}/users`, 'GET /api/v1/apps/{appId}/users', { limit: '500' });
      return users.length;
    },

    rateLimits() {
      return http.limiter.budgets();
    },

    readHeadroom() {
      return http.limiter.headroom((bucket) => bucket.startsWith('GET '));
    },

    async ping() {
      // okta.users.read is in every config's scopes; /api/v1/org would need okta.orgs.read.
      await http.request({
        method: 'GET',
        url: '/api/v1/users',
        bucket: 'GET /api/v1/users',
        query: { limit: '1' },
        idempotent: true,
        // A probe reports the state now; retrying would make it slower than its caller's timeout.
        maxRetries: 0,
      });
    },
  };
  return connector;
}
