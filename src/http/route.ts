import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import type { RouteAuth } from './auth.js';

/**
 * One route, declared once: who may call it, its input and output schemas, and the handler.
 * Validation, the handler's types, response serialization and the OpenAPI document all come
 * from this declaration (fastify-type-provider-zod + @fastify/swagger).
 */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Who may call it (see auth.ts); the one auth hook enforces it before the body is read. */
  auth: RouteAuth;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The success status and its body. 302: the handler returns the Location (`response` is its
   * schema, a string) and the reply is a redirect with no body. 204: no body (`response` is z.null()).
   */
  status?: 200 | 201 | 204 | 302;
  /** The body's media type when it is not JSON (the CSV import); the content-type parser checks it. */
  consumes?: 'text/csv' | 'application/x-www-form-urlencoded';
  /**
   * The success body's media type when it is not JSON: the handler returns the text as is (CSV),
   * or writes an event stream itself after `reply.hijack()`. Prometheus' text format: GET /metrics.
   */
  produces?: 'text/csv' | 'text/event-stream' | 'text/plain; version=0.0.4';
  response: R;
  /** Other statuses the handler may set, with the same body (e.g. 503 from /readyz). */
  alsoStatus?: Readonly<Record<number, string>>;
  /** Error codes this route raises itself, beyond the auth and validation errors every route has. */
  errors?: readonly ErrorCode[];
  /** Left out of the OpenAPI document (demo-only routes). */
  hidden?: boolean;
  /**
   * For a public route whose caller proves itself by signing the body (an external executor's
   * callback): runs after the body is read and before it is validated, so an unsigned caller gets
   * 401 SIGNATURE_INVALID and learns nothing about the body's rules. `request.rawBody` holds the bytes.
   */
  authenticateBody?: (request: FastifyRequest, ctx: AppContext) => Promise<void>;
  handler(input: RouteInput<P, Q, B>, ctx: AppContext): Promise<z.output<R>>;
}

/** What a handler gets: validated input, and the principal the auth hook attached. */
interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** Set for every route whose auth is not 'public' (and for 'optional' when a token came). */
  principal: Principal | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: RouteSpec<P, Q, B, R>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** The body of every error response. */
const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'A stable code from the error table (docs/api.md)' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Errors any route may answer, depending on its auth and input. */
function commonErrors(spec: RouteSpec): ErrorCode[] {
  const codes: ErrorCode[] = ['RATE_LIMITED'];
  if (spec.auth !== 'public' && spec.auth !== 'optional') codes.push('UNAUTHENTICATED');
  // A signed-in browser's calls that change anything must carry its CSRF token.
  if (spec.auth !== 'public' && spec.method !== 'GET') codes.push('CSRF_FAILED');
  if (typeof spec.auth === 'object' && spec.auth.roles) codes.push('FORBIDDEN');
  if (spec.params || spec.query || spec.body) codes.push('VALIDATION_FAILED');
  if (spec.body) codes.push('INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'BODY_TOO_LARGE');
  if (spec.authenticateBody) codes.push('SIGNATURE_INVALID');
  return codes;
}

type ResponseEntry = { description: string; content: Record<string, { schema: z.ZodType }> } | z.ZodType;

/** Response schemas by status: success, then each error status with the codes it carries. */
function responses(spec: RouteSpec): Record<number, ResponseEntry> {
  const json = (description: string, schema: z.ZodType, type = 'application/json'): ResponseEntry => ({
    description,
    content: { [type]: { schema } },
  });
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...commonErrors(spec), ...(spec.errors ?? [])]) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  // A redirect has no body: a null schema documents it without content (and nothing is serialized).
  const success =
    spec.status === 302
      ? z.null().meta({ description: `${spec.summary} (Location header)` })
      : spec.produces
        ? { description: spec.summary, content: { [spec.produces]: { schema: spec.response } } }
        : json(spec.summary, spec.response);
  const out: Record<number, ResponseEntry> = { [spec.status ?? 200]: success };
  for (const [status, description] of Object.entries(spec.alsoStatus ?? {})) out[Number(status)] = json(description, spec.response);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = json([...new Set(codes)].join(', '), errorBodySchema);
  }
  return out;
}

/** Registers route tables on a server. Without a context (the OpenAPI build) handlers never run. */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], ctx: AppContext | null): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const spec of routes) {
    typed.route({
      method: spec.method,
      url: spec.url,
      config: { auth: spec.auth },
      ...(spec.authenticateBody
        ? {
            preValidation: async (request: FastifyRequest) => {
              if (!ctx) throw new Error('routes registered without a context cannot be called');
              await spec.authenticateBody?.(request, ctx);
            },
          }
        : {}),
      schema: {
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: spec.tags,
        ...(spec.auth === 'public'
          ? { security: [] }
          : spec.auth === 'optional'
            ? { security: [{}, { bearer: [] }, { session: [] }] }
            : {}),
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { querystring: spec.query } : {}),
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.consumes ? { consumes: [spec.consumes] } : {}),
        response: responses(spec),
        ...(spec.hidden ? { hide: true } : {}),
      },
      handler: async (request, reply) => {
        if (!ctx) throw new Error('routes registered without a context cannot be called');
        // Fastify starts every reply at 200; start at the route's success status instead, so a
        // handler may choose another declared one (alsoStatus) — 200 included.
        void reply.status(spec.status ?? 200);
        const result = await spec.handler(
          { params: request.params, query: request.query, body: request.body, principal: request.principal, request, reply },
          ctx,
        );
        // A streaming handler hijacked the reply and wrote it itself.
        if (reply.sent) return reply;
        if (spec.status === 302) return reply.redirect(String(result), 302);
        if (spec.status === 204) return reply.status(204).send();
        // A non-JSON body (CSV) goes out as the handler wrote it, not through the JSON serializer.
        if (spec.produces) void reply.type(`${spec.produces}; charset=utf-8`);
        return reply.send(result);
      },
    });
  }
}
