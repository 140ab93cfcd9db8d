import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Limits } from '../config/config.js';
import { AppError } from '../errors/error-codes.js';

const MINUTE_MS = 60_000;

/**
 * Per-minute call limits of the HTTP API, counted in this process (@fastify/rate-limit's memory
 * store): per client IP before authentication, then per token — a personal token's limit, or an
 * intake channel's much higher ceiling. How many requests one person may file is counted in the
 * database instead (services/request-limits.ts), so it holds across instances and channels.
 */
export async function registerRateLimits(app: FastifyInstance, limits: Limits) {
  await app.register(rateLimit, { global: false });
  const perIp = app.createRateLimit({ max: limits.perIpPerMinute, timeWindow: MINUTE_MS, keyGenerator: (req) => `ip:${req.ip}` });
  const perToken = app.createRateLimit({
    max: (req) => (req.principal?.role === 'intake' ? limits.perIntakeTokenPerMinute : limits.perTokenPerMinute),
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => `token:${req.principal?.tokenId ?? ''}`,
  });
  const enforce = async (check: typeof perIp, req: FastifyRequest, what: string) => {
    const result = await check(req);
    if (!result.isAllowed && result.isExceeded) {
      throw new AppError('RATE_LIMITED', `Too many requests ${what}: at most ${result.max} a minute. Retry in ${result.ttlInSeconds} s.`, {
        retryAfterSeconds: result.ttlInSeconds,
      });
    }
  };
  return {
    /** Before authentication: every request, by client IP. */
    async byIp(req: FastifyRequest) {
      if (limits.perIpPerMinute > 0) await enforce(perIp, req, 'from this address');
    },
    /** After authentication: by token. */
    async byToken(req: FastifyRequest) {
      if (!req.principal) return;
      const max = req.principal.role === 'intake' ? limits.perIntakeTokenPerMinute : limits.perTokenPerMinute;
      if (max > 0) await enforce(perToken, req, req.principal.role === 'intake' ? 'from this intake channel' : 'with this token');
    },
  };
}
