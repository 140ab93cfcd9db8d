import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { DevMailbox } from '../connectors/smtp/index.js';
import { registerErrorHandler } from './error-handler.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerAppRoutes } from './routes/apps.routes.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerRequestRoutes } from './routes/requests.routes.js';

export interface ServerOptions {
  version: string;
  /** When the built-in dev mailbox is in use, its messages are readable at /dev/mailbox. */
  devMailbox?: DevMailbox;
}

/** Builds the Fastify server: JSON API, one error handler, no business logic here. */
export function buildServer(ctx: AppContext, opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics.
    loggerInstance: ctx.logger as unknown as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimit,
    // One line per request only when debugging; Fastify's request serializer never logs headers.
    logController: new LogController({ disableRequestLogging: ctx.config.logLevel !== 'debug' && ctx.config.logLevel !== 'trace' }),
  });
  registerErrorHandler(app);
  registerHealthRoutes(app, ctx);
  registerRequestRoutes(app, ctx);
  registerAppRoutes(app, ctx);

  const openapi = buildOpenApiDocument(opts.version);
  app.get('/api/openapi.json', async () => openapi);

  const mailbox = opts.devMailbox;
  if (mailbox) {
    // Demo only (no SMTP configured): shows what resetdesk "sent". Never enabled with real SMTP.
    app.get('/dev/mailbox', async () => ({ messages: mailbox.messages() }));
  }
  return app;
}
