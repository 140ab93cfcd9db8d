/**
 * The one table of error codes. Code raises `AppError(code, …)`; only the HTTP layer turns a
 * code into a status. Messages here are defaults; a throw site may pass a more precise one.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_URL: { status: 400, message: 'The URL is not valid (bad percent-encoding or characters).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json in UTF-8.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request line or headers are too large.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in the Retry-After header.' },
  TOO_MANY_OPEN_REQUESTS: { status: 409, message: 'Too many open requests for this person; wait until one is closed.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  REQUEST_NOT_FOUND: { status: 404, message: 'No request with that id.' },
  APP_NOT_FOUND: { status: 404, message: 'No app with that name.' },
  APP_ALREADY_EXISTS: { status: 409, message: 'An app with that name already exists.' },
  ALREADY_DECIDED: { status: 409, message: 'This request has already been decided.' },
  NOT_AWAITING_DECISION: { status: 409, message: 'This request is not waiting for a human decision.' },
  SELF_DECISION: { status: 403, message: 'Nobody may decide their own request.' },
  APPROVER_UNVERIFIED: { status: 403, message: 'Your account could not be matched to exactly one Okta user, so you cannot decide requests.' },
  INVALID_TRANSITION: { status: 409, message: 'That status change is not allowed.' },
  CSV_INVALID: { status: 400, message: 'The CSV file has errors; nothing was imported.' },
  POLICY_INVALID: { status: 400, message: 'The policy is not valid.' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is not valid.' },
  OKTA_ERROR: { status: 502, message: 'Okta answered with an error.' },
  OKTA_UNAVAILABLE: { status: 503, message: 'Okta could not be reached.' },
  OKTA_RATE_LIMITED: { status: 503, message: 'Okta rate limit reached.' },
  OKTA_AUTH_FAILED: { status: 502, message: 'resetdesk could not authenticate to Okta.' },
  MAIL_FAILED: { status: 502, message: 'The email could not be sent.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code; `details` is safe to show to the caller (never secrets). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
