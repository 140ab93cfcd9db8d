/**
 * Turns Okta's answers into AppErrors with stable codes. Messages name the operation by its
 * path template (no user ids or emails) and are scrubbed of every credential we hold.
 */
import { AppError } from '../../errors/error-codes.js';

/** Okta's Management API error body. */
interface OktaErrorBody {
  errorCode?: string;
  errorSummary?: string;
  errorId?: string;
  errorCauses?: { errorSummary?: string }[];
}

/**
 * 401, and a 403 that denies access (E0000006, or no Okta code: a proxy), refuse resetdesk's
 * credential. Any other 403 refuses the operation itself, e.g. E0000038 for a user whose status
 * forbids a reset. Neither is retried; the codes tell an operator where to look.
 */
function isCredentialRefusal(httpStatus: number, oktaErrorCode: string | undefined): boolean {
  return httpStatus === 401 || (httpStatus === 403 && (oktaErrorCode === undefined || oktaErrorCode === 'E0000006'));
}

/**
 * An HTTP error answer from the Okta Management API (4xx other than 429, and statuses the call
 * does not handle itself): OKTA_AUTH_FAILED or OKTA_ERROR, neither retryable.
 */
export class OktaApiError extends AppError {
  readonly httpStatus: number;
  /** e.g. `E0000006` (access denied), `E0000001` (validation failed). */
  readonly oktaErrorCode: string | undefined;
  readonly errorSummary: string | undefined;
  /** Okta's id for this error, for Okta support. */
  readonly errorId: string | undefined;
  readonly errorCauses: string[];

  constructor(input: {
    httpStatus: number;
    message: string;
    oktaErrorCode?: string | undefined;
    errorSummary?: string | undefined;
    errorId?: string | undefined;
    errorCauses?: string[];
  }) {
    const code = isCredentialRefusal(input.httpStatus, input.oktaErrorCode) ? 'OKTA_AUTH_FAILED' : 'OKTA_ERROR';
    const causes = input.errorCauses ?? [];
    super(code, input.message, {
      httpStatus: input.httpStatus,
      oktaErrorCode: input.oktaErrorCode,
      errorId: input.errorId,
      errorCauses: causes,
    });
    this.name = 'OktaApiError';
    this.httpStatus = input.httpStatus;
    this.oktaErrorCode = input.oktaErrorCode;
    this.errorSummary = input.errorSummary;
    this.errorId = input.errorId;
    this.errorCauses = causes;
  }
}

/** Replaces every known secret in `text`; used on anything built from a remote answer. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short strings would mangle ordinary words; real tokens are long.
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  return out;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A short, printable excerpt of a non-JSON body (proxies answer with HTML pages). */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}

/** Builds the typed error for a Management API error answer. `body` is JSON or raw text. */
export function oktaApiErrorFrom(httpStatus: number, operation: string, body: unknown, secrets: readonly string[]): OktaApiError {
  const record = asRecord(body) as OktaErrorBody | undefined;
  const oktaErrorCode = str(record?.errorCode);
  const errorSummary = str(record?.errorSummary);
  const errorCauses = Array.isArray(record?.errorCauses)
    ? record.errorCauses.map((c) => str(asRecord(c)?.errorSummary)).filter((c): c is string => !!c)
    : [];
  let text: string;
  if (oktaErrorCode || errorSummary) {
    text = [oktaErrorCode, errorSummary].filter(Boolean).join(' ');
    if (errorCauses.length > 0) text += ` (${errorCauses.join('; ')})`;
  } else if (typeof body === 'string' && body.trim() !== '') {
    text = `non-JSON body: ${excerpt(body)}`;
  } else {
    text = 'no error details';
  }
  return new OktaApiError({
    httpStatus,
    message: scrubSecrets(`Okta answered ${httpStatus} to ${operation}: ${text}`, secrets),
    oktaErrorCode,
    errorSummary: errorSummary && scrubSecrets(errorSummary, secrets),
    errorId: str(record?.errorId),
    errorCauses: errorCauses.map((c) => scrubSecrets(c, secrets)),
  });
}

/** Builds the error for a failed OAuth 2.0 token request (`{ error, error_description }`). */
export function oauthErrorFrom(httpStatus: number, body: unknown, secrets: readonly string[]): AppError {
  const record = asRecord(body);
  const error = str(record?.error) ?? str(record?.errorCode);
  const description = str(record?.error_description) ?? str(record?.errorSummary);
  const detail =
    error || description
      ? [error, description].filter(Boolean).join(': ')
      : typeof body === 'string' && body.trim() !== ''
        ? `non-JSON body: ${excerpt(body)}`
        : 'no error details';
  return new AppError('OKTA_AUTH_FAILED', scrubSecrets(`Okta token request failed (${httpStatus}): ${detail}`, secrets), {
    httpStatus,
    oauthError: error,
  });
}

/** Okta could not be reached or kept failing; `outcomeUnknown` marks a write that may have landed. */
export function oktaUnavailable(operation: string, reason: string, attempts: number, outcomeUnknown = false): AppError {
  return new AppError('OKTA_UNAVAILABLE', `Okta could not be reached for ${operation} after ${attempts} attempt(s): ${reason}`, {
    attempts,
    reason,
    outcomeUnknown,
  });
}

export function oktaRateLimited(operation: string, attempts: number): AppError {
  return new AppError('OKTA_RATE_LIMITED', `Okta kept answering 429 to ${operation} after ${attempts} attempt(s)`, { attempts });
}
