import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';

/** The one place error codes become HTTP statuses and JSON bodies: `{ error: { code, message, details? } }`. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | ZodError | Error, request, reply) => {
    const appError = toAppError(err);
    if (appError.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appError.code, msg: appError.message }, 'request rejected');
    const body: { error: { code: string; message: string; details?: unknown } } = {
      error: { code: appError.code, message: appError.message },
    };
    if (appError.details !== undefined) body.error.details = appError.details;
    void reply.status(appError.status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` } });
  });
}

/** Zod issues become one message naming each field, plus a field list for programs. */
export function zodToAppError(err: ZodError, where = 'body'): AppError {
  const fields = err.issues.map((i) => {
    const field = i.path.length ? i.path.join('.') : where;
    const message =
      i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message.replace(/^Invalid input: /, '');
    return { field: i.code === 'unrecognized_keys' ? i.keys.join(', ') : field, message };
  });
  return new AppError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return zodToAppError(err);
  const e = err as FastifyError & { statusCode?: number };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new AppError(mapped, mapped === 'INVALID_JSON' ? `The request body is not valid JSON: ${e.message}` : ERROR_CODES[mapped].message);
  if (err instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message))) {
    return new AppError('INVALID_JSON', `The request body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode === 413) return new AppError('BODY_TOO_LARGE');
  if (e.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new AppError('VALIDATION_FAILED', e.message);
  return new AppError('INTERNAL');
}
