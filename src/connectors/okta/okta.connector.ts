/**
 * The Okta connector: the Management API calls resetdesk needs, as an HTTP client.
 *
 * Why plain fetch and not @okta/okta-sdk-nodejs: the product's rate-limit bar ("never exceed
 * the remaining budget; 429 waits for X-Rate-Limit-Reset") needs per-bucket control of
 * X-Rate-Limit-* headers, our own retry/idempotency rules and per-attempt timeouts, which the
 * SDK hides behind its own request executor; the built-in sandbox and tests run on http://
 * loopback, which the SDK's org-URL validation rejects; and seven endpoints do not justify a
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
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { OktaAppInfo, OktaDetails, OktaFactor, OktaGroup, OktaRole, OktaUser, UserLookup } from '../../domain/okta-facts.js';
import { AppError } from '../../errors/error-codes.js';
import { VERSION } from '../../version.js';
import { createOktaCredentials } from './okta-auth.js';
import { OktaApiError } from './okta-errors.js';
import { OktaHttp, type OktaLogger } from './okta-http.js';
import type { OktaRateBudget } from './okta-rate-limiter.js';
import { toOktaApp, toOktaFactors, toOktaGroups, toOktaRoles, toOktaUser } from './okta-responses.js';
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
  /** Readiness probe: throws an AppError when Okta is unreachable or rejects our credentials. */
  ping(): Promise<void>;
  /** The rate-limit budget of each bucket called so far, as Okta last reported it. */
  rateLimits(): OktaRateBudget[];
}

export interface OktaConnectorOptions {
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: OktaLogger;
  /** For tests of jitter; Math.random otherwise. */
  random?: () => number;
}

/** Okta filter string literal: backslash and double quote are escaped. */
export function oktaFilterLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const id = (value: string): string => encodeURIComponent(value);

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
      return toOktaFactors(await http.listAll(`/api/v1/users/${id(userId)}/factors`, 'GET /api/v1/users/{userId}/factors'));
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

    rateLimits() {
      return http.limiter.budgets();
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
