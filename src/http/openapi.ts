import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { AppContext } from '../app-context.js';
import { type RouteSpec, registerRoutes } from './route.js';
import { adminRoutes } from './routes/admin.routes.js';
import { appRoutes } from './routes/apps.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { channelRoutes } from './routes/channel.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import { policyRoutes } from './routes/policy.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { requestRoutes } from './routes/requests.routes.js';
import { type ServiceRouteOptions, serviceRoutes } from './routes/service.routes.js';
import { statsRoutes } from './routes/stats.routes.js';
import { SESSION_COOKIE } from './web-session.js';

/** Every route of the API, in the order they are registered. */
export function apiRoutes(opts: ServiceRouteOptions): RouteSpec[] {
  return [
    ...serviceRoutes(opts),
    ...requestRoutes,
    ...appRoutes,
    ...adminRoutes,
    ...authRoutes,
    ...statsRoutes,
    ...policyRoutes,
    ...channelRoutes,
    ...metricsRoutes,
    ...reportRoutes,
  ];
}

/** zod validates requests and serializes responses; the route tables carry the schemas. */
export function applyZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
}

/**
 * The OpenAPI 3.1 document, generated from the route tables alone (no database, no Okta), so the
 * server, `resetdesk openapi` and the committed docs/openapi.json are the same document.
 */
export async function buildOpenApiDocument(version: string): Promise<OpenAPIV3_1.Document> {
  const app = Fastify({ logger: false });
  applyZodSchemas(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'resetdesk API',
        version,
        description:
          'Password-reset requests: file, follow and decide them. Authenticate with `Authorization: Bearer <token>` ' +
          '(`resetdesk token create`), or as a browser signed in at /auth/login (the `resetdesk_session` cookie, plus ' +
          'the `x-csrf-token` header from GET /api/v1/me on every call that changes anything). ' +
          'Errors are always `{ "error": { "code", "message", "details"? } }`; the codes are listed in docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      tags: [{ name: 'Requests' }, { name: 'Apps' }, { name: 'Admin' }, { name: 'Sign-in' }, { name: 'Service' }, { name: 'Stats' }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  const routes = apiRoutes({ openapi: () => ({}) });
  registerRoutes(app, routes, null as AppContext | null);
  await app.ready();
  const document = app.swagger() as OpenAPIV3_1.Document;
  await app.close();
  return tidy(document, routes);
}

/**
 * The zod registry yields every named schema twice (an input `XInput` and an output `X`), used
 * or not. Keep the ones the paths reach, name each by its plain name where that is free, and
 * mark a body optional when its schema accepts none.
 */
function tidy(document: OpenAPIV3_1.Document, routes: RouteSpec[]): OpenAPIV3_1.Document {
  const schemas = document.components?.schemas ?? {};
  const reached = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = value.replace('#/components/schemas/', '');
        if (!reached.has(name)) {
          reached.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(document.paths);
  const rename = new Map<string, string>();
  for (const name of reached) {
    const plain = name.replace(/Input$/, '');
    if (plain !== name && !reached.has(plain)) rename.set(name, plain);
  }
  const kept = Object.fromEntries([...reached].sort().map((name) => [rename.get(name) ?? name, schemas[name]]));
  const text = JSON.stringify({ ...document, components: { ...document.components, schemas: kept } }).replace(
    /"#\/components\/schemas\/([A-Za-z0-9_]+)"/g,
    (whole, name: string) => (rename.has(name) ? `"#/components/schemas/${rename.get(name)}"` : whole),
  );
  const tidied = JSON.parse(text) as OpenAPIV3_1.Document;
  for (const route of routes) {
    if (!route.body?.safeParse(undefined).success) continue;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const operation = tidied.paths?.[path]?.[route.method.toLowerCase() as 'post'];
    if (operation?.requestBody && 'required' in operation.requestBody) operation.requestBody.required = false;
  }
  return tidied;
}
