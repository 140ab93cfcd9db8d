import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../app-context.js';

/**
 * How long an Okta readiness result is reused. Load balancers probe every few seconds; each
 * probe calling Okta would spend the same rate-limit bucket that user lookups need.
 */
export const OKTA_READINESS_TTL_MS = 30_000;

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext, oktaTtlMs = OKTA_READINESS_TTL_MS): void {
  let okta: { at: number; result: Promise<string> } | undefined;
  const oktaReadiness = (): Promise<string> => {
    if (!okta || Date.now() - okta.at >= oktaTtlMs) okta = { at: Date.now(), result: check(() => ctx.okta.ping()) };
    return okta.result;
  };

  /** Liveness: the process answers. */
  app.get('/healthz', { config: { auth: 'public' } }, async () => ({ status: 'ok' }));

  /**
   * Readiness: the database answers, and Okta accepted our credentials within the last 30 s.
   * Which check failed, and why, is for admins: error texts can name hosts and accounts.
   */
  app.get('/readyz', { config: { auth: 'optional' } }, async (req, reply) => {
    const [database, oktaStatus] = await Promise.all([check(() => sql`select 1`.execute(ctx.db)), oktaReadiness()]);
    const ready = database === 'ok' && oktaStatus === 'ok';
    const status = ready ? 'ready' : 'not ready';
    const body = req.principal?.role === 'admin' ? { status, checks: { database, okta: oktaStatus } } : { status };
    return reply.status(ready ? 200 : 503).send(body);
  });
}

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
