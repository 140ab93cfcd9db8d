import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { isLoopbackHost } from '../../config/loopback.js';
import type { Principal } from '../../db/repositories/token.repository.js';
import { AppError } from '../../errors/error-codes.js';
import { defineRoute } from '../route.js';

/**
 * Who may scrape: an admin (token or session), or the holder of METRICS_TOKEN — a secret that
 * reads the metrics and nothing else, so Prometheus needs no admin token. In the demo on a
 * loopback HOST they are open, as the dev mailbox is there. The route's auth is 'optional': the
 * hook attaches an admin's principal when one is sent and ignores a METRICS_TOKEN (not an API
 * token), which is checked here.
 */
function authorizeScrape(ctx: AppContext, principal: Principal | undefined, request: FastifyRequest): void {
  if (principal?.role === 'admin') return;
  const { config } = ctx;
  if (config.okta.kind === 'sandbox' && isLoopbackHost(config.host)) return;
  const bearer = /^Bearer\s+(\S{1,512})\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && config.metricsToken !== undefined && sameSecret(bearer, config.metricsToken)) return;
  if (principal) throw new AppError('FORBIDDEN', `The metrics need the admin role or METRICS_TOKEN (yours: ${principal.role}).`);
  throw new AppError('UNAUTHENTICATED', 'Send "Authorization: Bearer <METRICS_TOKEN or an admin API token>".');
}

/** Compares digests, so neither the length nor the first differing byte shows in the timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export const metricsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/metrics',
    auth: 'optional',
    summary: 'Prometheus metrics of this instance',
    description:
      'The Prometheus text exposition format: requests filed and decided, decision latency, Okta calls, rate-limit ' +
      'budgets and 429s, the job queue, emails and process metrics (docs/operations.md, "Metrics"). For an admin, or ' +
      'with `Authorization: Bearer <METRICS_TOKEN>`.',
    tags: ['Service'],
    produces: 'text/plain; version=0.0.4',
    response: z.string(),
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
    handler: async ({ principal, request }, ctx) => {
      authorizeScrape(ctx, principal, request);
      return ctx.metrics.scrape();
    },
  }),
];
