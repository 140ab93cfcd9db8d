import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AppContext } from '../app-context.js';
import { isLoopbackHost } from '../config/loopback.js';
import type { DevMailbox } from '../connectors/smtp/index.js';
import { AppError } from '../errors/error-codes.js';
import { fastifyTracingPlugin } from '../observability/tracing.js';
import { authenticateRequest, type RouteAuth } from './auth.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandler } from './error-handler.js';
import { apiRoutes, applyZodSchemas, buildOpenApiDocument } from './openapi.js';
import { registerRateLimits } from './rate-limits.js';
import { endRequestStreams } from './request-stream.js';
import { registerRoutes } from './route.js';
import { registerWebApp } from './web-app.js';

export interface ServerOptions {
  version: string;
  /** When the built-in dev mailbox is in use, its messages are readable at /dev/mailbox. */
  devMailbox?: DevMailbox;
  /** The demo (embedded Okta sandbox) on a loopback HOST: /dev/mailbox needs no token. Otherwise admins only. */
  demo?: boolean;
  /** How long /readyz reuses Okta's answer (default OKTA_READINESS_TTL_MS in routes/service.routes.ts). */
  readinessCacheMs?: number;
  /** Where the built web app is (default dist/web). */
  webAppRoot?: string;
  /** Only the probes and /metrics (a `worker`-role instance): no API, no web app. */
  probesOnly?: boolean;
}

/** What a worker-role instance serves: the orchestrator's probes, and its own metrics (its jobs, its Okta calls). */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** A route as registered, with who may call it; the security suite walks this list. */
export interface RegisteredRoute {
  method: string;
  url: string;
  auth: RouteAuth;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared auth, in registration order. */
    routeList: RegisteredRoute[];
  }
}

/** Builds the Fastify server: JSON API, one error handler, no business logic here. */
export async function buildServer(ctx: AppContext, opts: ServerOptions): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics.
    loggerInstance: ctx.logger as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // A whole request must arrive in time; Node checks every second instead of every 30 s, so a
    // body trickled in a byte at a time cannot hold a connection much past the limit.
    requestTimeout: config.requestTimeoutMs,
    http: { connectionsCheckingInterval: 1000, headersTimeout: Math.min(config.requestTimeoutMs, 60_000) },
    trustProxy: config.trustProxy,
    clientErrorHandler: clientErrorHandler(ctx.logger),
    frameworkErrors: frameworkErrorHandler,
    // Our own request log line (below) leaves query strings out: a token pasted into a URL must
    // never reach the logs.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT), first: it must see every hook and route after it.
  const tracing = fastifyTracingPlugin();
  if (tracing) await app.register(tracing);
  registerErrorHandler(app, opts.probesOnly ? async () => false : await registerWebApp(app, opts.webAppRoot));
  applyZodSchemas(app);

  const routeList: RegisteredRoute[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeList.push({ method, url: route.url, auth: route.config?.auth ?? {} });
    }
  });

  const https = config.publicUrl?.startsWith('https://') ?? false;
  await app.register(helmet, {
    // The web app's policy: its own scripts only; Mantine sets style attributes; never framed.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // A form that goes to /auth/login is redirected on to the provider, which form-action also governs.
        formAction: ["'self'", ...(ctx.signIn ? [new URL(ctx.signIn.oidc.issuer).origin] : [])],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https ? { maxAge: 31_536_000 } : false,
  });
  // Parses the session cookie before the auth hook below reads it.
  await app.register(cookie);
  const limits = await registerRateLimits(app, config.limits);

  // Authentication runs before the body is read: an anonymous 5 MB body is a 401, not a 413.
  app.addHook('onRequest', async (request) => {
    await limits.byIp(request);
    if (request.is404) return;
    await authenticateRequest(ctx.db, request, request.routeOptions.config.auth ?? {});
    await limits.byToken(request);
  });
  app.addHook('onSend', async (_request, reply) => {
    // API answers describe people and accounts: no cache may keep them. Only the web app's
    // files say otherwise (web-app.ts).
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  registerJsonParser(app);
  registerCsvParser(app);
  registerFormParser(app);

  const openapi = await buildOpenApiDocument(opts.version);
  const routes = apiRoutes({
    openapi: () => openapi,
    ...(opts.readinessCacheMs !== undefined ? { readinessCacheMs: opts.readinessCacheMs } : {}),
    ...(opts.devMailbox ? { devMailbox: opts.devMailbox } : {}),
    // The dev mailbox shows what resetdesk "sent". Open in the demo, which config only allows on
    // a loopback HOST; with a real Okta org the messages are about real people: admins only.
    mailboxOpen: opts.demo === true && isLoopbackHost(config.host),
  });
  registerRoutes(app, opts.probesOnly ? routes.filter((r) => PROBES.has(r.url)) : routes, ctx);
  // Open event streams would otherwise hold the server's close for up to ten minutes.
  app.addHook('preClose', async () => endRequestStreams(app));
  return app;
}

/** JSON bodies in UTF-8 only; other charsets are refused rather than guessed. */
function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', `Send JSON in UTF-8 (got charset "${charset.slice(0, 40)}").`), undefined);
      return;
    }
    // The bytes as sent, for a route that checks a signature over them (route.ts authenticateBody).
    request.rawBody = body as Buffer;
    parseJson(request, body.toString(), done);
  });
}

/**
 * CSV bodies (the catalog import), UTF-8 only and bounded by BODY_LIMIT like JSON. Only a route
 * that declares it consumes CSV takes one; anywhere else it is a 415, as before.
 */
function registerCsvParser(app: FastifyInstance): void {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (request, body, done) => {
    const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes;
    if (!consumes?.includes('text/csv')) {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE'), undefined);
      return;
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', `Send CSV in UTF-8 (got charset "${charset.slice(0, 40)}").`), undefined);
      return;
    }
    try {
      done(null, utf8.decode(body as Buffer));
    } catch {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send CSV in UTF-8 (the body is not valid UTF-8).'), undefined);
    }
  });
}

/**
 * Form-encoded bodies: only for a route that declares it consumes them (Slack's slash commands
 * and interactivity), kept as the raw bytes its signature covers; the route's connector parses
 * them. Anywhere else a 415, as before.
 */
function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
    const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes;
    if (!consumes?.includes('application/x-www-form-urlencoded')) {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE'), undefined);
      return;
    }
    request.rawBody = body as Buffer;
    done(null, undefined);
  });
}
