import { randomBytes } from 'node:crypto';

/**
 * Okta's error codes as the Management API returns them: one table of code → status and
 * default summary, so every route answers with the same body shape as the real service.
 */
const OKTA_ERRORS = {
  E0000001: { status: 400, summary: 'Api validation failed' },
  E0000003: { status: 400, summary: 'The request body was not well-formed.' },
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: Resource not found' },
  E0000009: { status: 500, summary: 'Internal Server Error' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000031: { status: 400, summary: 'Invalid search criteria.' },
  E0000032: { status: 403, summary: 'Unlock is not allowed for this user.' },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
  E0000068: { status: 403, summary: 'Invalid Passcode/Answer' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type OktaErrorCode = keyof typeof OKTA_ERRORS;

/** Okta's error body (`components.schemas.Error` in the Management API spec). */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

/** Thrown by route handlers; the server turns it into Okta's status, body and headers. */
export class SandboxOktaError extends Error {
  readonly code: OktaErrorCode;
  readonly status: number;
  readonly causes: string[];
  readonly headers: Record<string, string>;

  constructor(code: OktaErrorCode, summary?: string, options: { causes?: string[]; headers?: Record<string, string> } = {}) {
    super(summary ?? OKTA_ERRORS[code].summary);
    this.code = code;
    this.status = OKTA_ERRORS[code].status;
    this.causes = options.causes ?? [];
    this.headers = options.headers ?? {};
  }

  /** The JSON body Okta sends for this error. */
  toBody(): OktaErrorBody {
    return {
      errorCode: this.code,
      errorSummary: this.message,
      errorLink: this.code,
      errorId: newErrorId(),
      errorCauses: this.causes.map((errorSummary) => ({ errorSummary })),
    };
  }
}

/** Okta's "Not found" error for one resource, worded like the real API. */
export function notFound(id: string, resourceType: string): SandboxOktaError {
  return new SandboxOktaError('E0000007', `Not found: Resource not found: ${id} (${resourceType})`);
}

/** Okta error and request ids look like `oae` + 19 base62-ish characters. */
export function newErrorId(): string {
  return `oae${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x').slice(0, 19)}`;
}
