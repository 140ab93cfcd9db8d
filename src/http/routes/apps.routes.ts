import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { createApp, listCatalog } from '../../services/app.service.js';
import { createAppBody } from '../api-schemas.js';
import { parseWith } from '../parse.js';

export function registerAppRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/apps', { config: { auth: {} } }, async () => ({ apps: await listCatalog(ctx) }));

  app.post('/api/v1/apps', { config: { auth: { roles: ['admin'] } } }, async (req, reply) => {
    const body = parseWith(createAppBody, req.body);
    const created = await createApp(ctx, {
      name: body.name,
      oktaAppId: body.oktaAppId ?? null,
      resetUrl: body.url ?? null,
      resetMethod: body.resetMethod,
      sensitive: body.sensitive,
      approverGroup: body.approverGroup ?? null,
    });
    return reply.status(201).send(created);
  });
}
