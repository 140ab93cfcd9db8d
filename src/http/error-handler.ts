import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import type { WebAppFallback } from './web-app.js';

/** The body of every error response. */
interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * The one place error codes become HTTP statuses and JSON bodies: `{ error: { code, message, details? } }`.
 * `webApp` gets a request no route matched first (the web app's files and client-side routes).
 */
export function registerErrorHandler(app: FastifyInstance, webApp: WebAppFallback): void {
  app.setErrorHandler((err: FastifyError | AppError | ZodError | Error, request, reply) => {
    const appError = toAppError(err, request.routeOptions.url);
    if (appError.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appError.code, status: appError.status, reason: appError.message }, 'request rejected');
    sendError(reply, appError);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (await webApp(request, reply)) return reply;
    sendError(reply, new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`));
    return reply;
  });
}

function sendError(reply: FastifyReply, appError: AppError): void {
  const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
  if (appError.details !== undefined) body.error.details = appError.details;
  const retryAfter = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  void reply.status(appError.status).send(body);
}

/** Zod issues become one message naming each field, plus a field list for programs. */
function zodToAppError(err: ZodError, where = 'body'): AppError {
  const fields = err.issues.map((i) => {
    const field = i.path.length ? i.path.join('.') : where;
    const message = i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message.replace(/^Invalid input: /, '');
    return { field: i.code === 'unrecognized_keys' ? i.keys.join(', ') : field, message };
  });
  return new AppError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

/** Fastify's own errors, by their code (never by their message text). */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'INVALID_URL',
  FST_ERR_INVALID_URL: 'INVALID_URL',
  FST_ERR_ASYNC_CONSTRAINT: 'INVALID_URL',
};

/** A request that failed its route's zod schema: one message naming each field. */
function validationToAppError(err: FastifyError & { validation: NonNullable<FastifyError['validation']> }, url = ''): AppError {
  // A path id resetdesk could not have made names nothing: 404, like an unknown one.
  if (err.validationContext === 'params') return paramsNotFound(url);
  const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
  const fields = err.validation.map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const keys = (v.params as { keys?: unknown }).keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys))
      return { field: keys.join(', '), message: `unknown field(s): ${keys.join(', ')}` };
    return { field: path || where, message: (v.message ?? 'is not valid').replace(/^Invalid input: /, '') };
  });
  return new AppError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

/** The 404 for an id that fails its route's params schema, named after what the route takes. */
function paramsNotFound(url: string): AppError {
  if (url.startsWith('/api/v1/apps/')) return new AppError('APP_NOT_FOUND');
  if (url.startsWith('/api/v1/requests/')) return new AppError('REQUEST_NOT_FOUND');
  return new AppError('NOT_FOUND', 'No such resource.');
}

function toAppError(err: unknown, url?: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return zodToAppError(err);
  if (hasZodFastifySchemaValidationErrors(err)) return validationToAppError(err, url);
  const e = err as FastifyError & { statusCode?: number };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped === 'INVALID_JSON') return new AppError(mapped, `The request body is not valid JSON: ${e.message}`);
  if (mapped) return new AppError(mapped);
  // The JSON parser (secure-json-parse) throws SyntaxError, also for __proto__ / constructor keys.
  if (err instanceof SyntaxError) return new AppError('INVALID_JSON', `The request body is not valid JSON: ${err.message}`);
  // Anything else Fastify or Node marks as the client's fault (an aborted body, a bad header).
  if (e.statusCode === 413) return new AppError('BODY_TOO_LARGE');
  if (e.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new AppError('VALIDATION_FAILED');
  return new AppError('INTERNAL');
}

/**
 * Headers for answers sent where no hook runs (errors before routing, client errors): what
 * helmet and the no-store hook add everywhere else.
 */
const RAW_ERROR_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

/** Errors Fastify raises before routing (a malformed URL, an over-long path segment): our body shape. */
export function frameworkErrorHandler(err: FastifyError, _req: unknown, reply: FastifyReply): void {
  void reply.headers(RAW_ERROR_HEADERS);
  // An id longer than the router accepts names nothing: a 404, like any other unknown id.
  sendError(reply, err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new AppError('NOT_FOUND', 'No such resource.') : toAppError(err));
}

/**
 * Errors Node raises before Fastify sees a request (a body that arrives too slowly, headers
 * that are too large, a malformed request line) get the same JSON shape, then the socket closes.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ErrorCode =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? 'HEADERS_TOO_LARGE'
          : 'VALIDATION_FAILED';
    const { status } = ERROR_CODES[code];
    const message = code === 'VALIDATION_FAILED' ? 'The HTTP request is malformed.' : ERROR_CODES[code].message;
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    logger.debug({ code, reason: err.code }, 'client connection error');
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          Object.entries(RAW_ERROR_HEADERS)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('') +
          `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
