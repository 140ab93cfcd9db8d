/**
 * Outbound Web API calls through Bolt's client (`app.client`), and how their failures become
 * resetdesk's error codes. Each call carries the bot token; no message or detail ever does.
 */
import { webApi } from '@slack/bolt';
import type { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

/** Calls `method` and returns its answer checked against `schema`; failures as AppErrors. */
export async function callSlack<T>(
  client: WebClient,
  token: string,
  method: string,
  args: Record<string, unknown>,
  schema: z.ZodType<T>,
): Promise<T> {
  let result: unknown;
  try {
    result = await client.apiCall(method, { ...args, token });
  } catch (err) {
    throw slackFailure(method, err);
  }
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError(
      'SLACK_ERROR',
      `Slack: ${method}: the answer is not the expected result (${first?.path.join('.') || 'body'}: ${first?.message}).`,
    );
  }
  return parsed.data;
}

/**
 * network, timeout, 429 or 5xx → SLACK_UNAVAILABLE (the caller's job retries: the client itself
 * is set not to); `ok: false` → SLACK_ERROR with Slack's error string (`invalid_auth`,
 * `channel_not_found`, `missing_scope`, …); another HTTP status → SLACK_ERROR.
 */
export function slackFailure(method: string, err: unknown): AppError {
  if (err instanceof webApi.WebAPIPlatformError) {
    const slackError = String(err.data.error).slice(0, 200);
    // missing_scope names the scope it lacks in `needed`.
    const scope = (err.data as unknown as Record<string, unknown>).needed;
    const needed = typeof scope === 'string' ? ` (needs ${scope.slice(0, 100)})` : '';
    return new AppError('SLACK_ERROR', `Slack: ${method} failed: ${slackError}${needed}.`, { slackError });
  }
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return new AppError('SLACK_UNAVAILABLE', `Slack: ${method}: rate limited, retry after ${err.retryAfter} s.`, {
      httpStatus: 429,
      retryAfterSeconds: err.retryAfter,
    });
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    const code = err.statusCode >= 500 || err.statusCode === 408 ? 'SLACK_UNAVAILABLE' : 'SLACK_ERROR';
    return new AppError(code, `Slack: ${method}: answered HTTP ${err.statusCode}.`, { httpStatus: err.statusCode });
  }
  if (err instanceof webApi.WebAPIRequestError) {
    const original = err.original as Error & { cause?: { code?: string; message?: string } };
    const timedOut = original.name === 'TimeoutError' || original.name === 'AbortError';
    const reason = timedOut
      ? 'no answer in time'
      : [original.message, original.cause?.code ?? original.cause?.message].filter(Boolean).join(': ');
    return new AppError('SLACK_UNAVAILABLE', `Slack: ${method} failed: ${reason}.`, { timeout: timedOut });
  }
  // Not the client's own errors (a bug): reported without its message, which we cannot vouch for.
  return new AppError('SLACK_ERROR', `Slack: ${method} failed unexpectedly (${err instanceof Error ? err.name : typeof err}).`);
}
