import type { z } from 'zod';
import { AppError } from '../errors/error-codes.js';
import { zodToAppError } from './error-handler.js';

/** Parses input with a schema; failures become a 400 naming each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.output<S> {
  if (where === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new AppError('VALIDATION_FAILED', 'body: must be a JSON object', { fields: [{ field: 'body', message: 'must be a JSON object' }] });
  }
  const result = schema.safeParse(input);
  if (!result.success) throw zodToAppError(result.error, where);
  return result.data;
}
