import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { findAppByName, insertApp, listApps } from '../../db/repositories/app.repository.js';
import { AppError } from '../../errors/error-codes.js';
import { createAppBody } from '../api-schemas.js';
import { authenticate } from '../auth.js';
import { parseWith } from '../parse.js';

export function registerAppRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/apps', async (req) => {
    await authenticate(ctx.db, req);
    return { apps: await listApps(ctx.db) };
  });

  app.post('/api/v1/apps', async (req, reply) => {
    await authenticate(ctx.db, req, ['admin']);
    const body = parseWith(createAppBody, req.body);
    if (await findAppByName(ctx.db, body.name)) throw new AppError('APP_ALREADY_EXISTS', `An app named "${body.name}" already exists.`);
    const created = await insertApp(ctx.db, {
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
