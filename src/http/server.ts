import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { DevMailbox } from '../connectors/smtp/index.js';
import { authenticate } from './auth.js';
import { registerErrorHandler } from './error-handler.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerAppRoutes } from './routes/apps.routes.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerRequestRoutes } from './routes/requests.routes.js';

export interface ServerOptions {
  version: string;
  /** When the built-in dev mailbox is in use, its messages are readable at /dev/mailbox. */
  devMailbox?: DevMailbox;
  /** The demo (embedded Okta sandbox): /dev/mailbox needs no token. Otherwise admins only. */
  demo?: boolean;
  /** How long /readyz reuses Okta's answer (default OKTA_READINESS_TTL_MS). */
  readinessCacheMs?: number;
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
  registerHealthRoutes(app, ctx, opts.readinessCacheMs);
  registerRequestRoutes(app, ctx);
  registerAppRoutes(app, ctx);

  const openapi = buildOpenApiDocument(opts.version);
  app.get('/api/openapi.json', async () => openapi);

  const mailbox = opts.devMailbox;
  if (mailbox) {
    // Only without SMTP: shows what resetdesk "sent". Open in the demo; with a real Okta org the
    // messages are about real people, so only admins may read them.
    app.get('/dev/mailbox', async (req) => {
      if (!opts.demo) await authenticate(ctx.db, req, ['admin']);
      return { messages: mailbox.messages() };
    });
  }
  return app;
}
