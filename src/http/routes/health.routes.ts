import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../app-context.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** Liveness: the process answers. */
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Readiness: the database answers and Okta is reachable with our credentials. */
  app.get('/readyz', async (_req, reply) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return 'ok';
      } catch (err) {
        return `error: ${(err as Error).message}`;
      }
    };
    const [database, okta] = await Promise.all([check(() => sql`select 1`.execute(ctx.db)), check(() => ctx.okta.ping())]);
    const ready = database === 'ok' && okta === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: { database, okta } });
  });
}
