/** What the table says about one code. */
export interface ErrorCodeSpec {
  /** The HTTP status the error handler answers with. */
  status: number;
  /**
   * Whether the same call, unchanged, may succeed later (an outage, a rate limit): background
   * jobs back off and retry these, and fail at once on the rest.
   */
  retryable: boolean;
  message: string;
}

/**
 * The one table of error codes. Code raises `AppError(code, …)`; only the HTTP layer turns a
 * code into a status; the job worker reads `retryable`. Messages here are defaults; a throw
 * site may pass a more precise one. Every code is listed in docs/api.md (error-codes.test.ts).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request is not valid.' },
  INVALID_JSON: { status: 400, retryable: false, message: 'The request body is not valid JSON.' },
  INVALID_URL: { status: 400, retryable: false, message: 'The URL is not valid (bad percent-encoding or characters).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'Send the body as application/json in UTF-8.' },
  BODY_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large.' },
  // The body arrived too slowly: sending it again may work.
  REQUEST_TIMEOUT: { status: 408, retryable: true, message: 'The request took too long to arrive.' },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, message: 'The request line or headers are too large.' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests; retry after the time in the Retry-After header.' },
  // Once one of the person's requests is closed.
  TOO_MANY_OPEN_REQUESTS: { status: 409, retryable: true, message: 'Too many open requests for this person; wait until one is closed.' },
  UNAUTHENTICATED: { status: 401, retryable: false, message: 'A valid bearer token or sign-in session is required.' },
  // A signed callback (an external executor's result): no, a malformed, a wrong or a stale signature.
  SIGNATURE_INVALID: {
    status: 401,
    retryable: false,
    message: 'The X-Resetdesk-Signature or X-Resetdesk-Timestamp header is missing, wrong or too old.',
  },
  FORBIDDEN: { status: 403, retryable: false, message: 'Your role does not allow this.' },
  // A call made with the session cookie must prove it came from the web app (docs/operations.md).
  CSRF_FAILED: {
    status: 403,
    retryable: false,
    message: 'Send the x-csrf-token header from GET /api/v1/me with calls that change anything.',
  },
  // An unknown, expired or already used sign-in, a refusal by the provider, or no usable email: start again.
  SIGN_IN_FAILED: { status: 400, retryable: false, message: 'The sign-in could not be completed; start again.' },
  SIGN_IN_UNAVAILABLE: { status: 503, retryable: true, message: 'The identity provider could not be reached.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, message: 'No such route.' },
  REQUEST_NOT_FOUND: { status: 404, retryable: false, message: 'No request with that id.' },
  APP_NOT_FOUND: { status: 404, retryable: false, message: 'No app with that id.' },
  APP_ALREADY_EXISTS: { status: 409, retryable: false, message: 'An app with that name already exists.' },
  // An alias (or a name) that another catalog app already has as its name or an alias.
  APP_ALIAS_CLASH: { status: 400, retryable: false, message: 'That name or alias belongs to another app.' },
  ALREADY_DECIDED: { status: 409, retryable: false, message: 'This request has already been decided.' },
  NOT_AWAITING_DECISION: { status: 409, retryable: false, message: 'This request is not waiting for a human decision.' },
  SELF_DECISION: { status: 403, retryable: false, message: 'Nobody may decide their own request.' },
  APPROVER_UNVERIFIED: {
    status: 403,
    retryable: false,
    message: 'Your account could not be matched to exactly one Okta user, so you cannot decide requests.',
  },
  // Decision rights: only active members of the request's approver group (an Okta group) decide it.
  NOT_AN_APPROVER: {
    status: 403,
    retryable: false,
    message: "Only active members of this request's approver group may decide it.",
  },
  // The request's approver group names no Okta group: only admins may decide until it exists.
  APPROVER_GROUP_MISSING: {
    status: 403,
    retryable: false,
    message: "This request's approver group does not exist in Okta, so only admins may decide it.",
  },
  INVALID_TRANSITION: { status: 409, retryable: false, message: 'That status change is not allowed.' },
  // POST …/reply when no question is open (answered already, or the request moved on).
  NOT_WAITING: { status: 409, retryable: false, message: 'This request is not waiting for an answer.' },
  // POST …/resolve-external on a request that is not waiting for an external system.
  NOT_PENDING_EXTERNAL: { status: 409, retryable: false, message: 'This request is not pending with an external system.' },
  // POST …/verify when the request waits for no verification.
  NOT_VERIFYING: { status: 409, retryable: false, message: 'This request is not waiting for verification.' },
  // A wrong code; details.attemptsLeft says how many remain (0: IT reviews the request).
  VERIFICATION_FAILED: { status: 400, retryable: false, message: 'The verification code was not right.' },
  // POST …/cancel on a request that is already decided and closed.
  NOT_OPEN: { status: 409, retryable: false, message: 'This request is no longer open.' },
  // The policy's cooldown: too many resets of one account for one app within the window.
  RESET_COOLDOWN: {
    status: 429,
    retryable: true,
    message: 'This account was reset for this app too often recently; retry after the time in Retry-After.',
  },
  CSV_INVALID: { status: 400, retryable: false, message: 'The CSV file has errors; nothing was imported.' },
  POLICY_INVALID: { status: 400, retryable: false, message: 'The policy is not valid.' },
  // POST /api/v1/policy/sync without the CONFLUENCE_* variables.
  POLICY_SOURCE_NOT_CONFIGURED: {
    status: 409,
    retryable: false,
    message: 'No Confluence page is configured as the policy source (CONFLUENCE_* variables); the policy file is the source.',
  },
  // The page was read but holds no valid policy (details.errors name the lines); the active policy is kept.
  POLICY_SOURCE_INVALID: {
    status: 502,
    retryable: false,
    message: 'The policy page holds no valid policy; the active policy is unchanged.',
  },
  CONFLUENCE_AUTH_FAILED: { status: 502, retryable: false, message: "Confluence rejected resetdesk's credentials or their permissions." },
  // Deleted, moved to the trash, or not visible to the account.
  CONFLUENCE_PAGE_NOT_FOUND: { status: 502, retryable: false, message: 'The Confluence policy page is gone.' },
  CONFLUENCE_UNAVAILABLE: { status: 503, retryable: true, message: 'Confluence could not be reached.' },
  CONFLUENCE_ERROR: { status: 502, retryable: false, message: 'Confluence answered with an error.' },
  // ServiceNow incidents (background jobs only): a refusal fails the job at once, an outage retries it.
  SERVICENOW_AUTH_FAILED: { status: 502, retryable: false, message: "ServiceNow rejected resetdesk's credentials or their permissions." },
  SERVICENOW_UNAVAILABLE: { status: 503, retryable: true, message: 'ServiceNow could not be reached.' },
  SERVICENOW_ERROR: { status: 502, retryable: false, message: 'ServiceNow answered with an error.' },
  // Slack: an inbound request whose signature does not verify; outbound Web API calls (an outage
  // or rate limit retries, an `ok: false` answer such as invalid_auth or channel_not_found does not).
  SLACK_SIGNATURE_INVALID: {
    status: 401,
    retryable: false,
    message: 'The x-slack-signature or x-slack-request-timestamp header is missing, wrong or too old.',
  },
  SLACK_UNAVAILABLE: { status: 503, retryable: true, message: 'Slack could not be reached.' },
  SLACK_ERROR: { status: 502, retryable: false, message: 'Slack answered with an error.' },
  // Microsoft Teams: an inbound activity whose Bot Framework token (or tenant) does not check out;
  // outbound Bot Connector and token calls (an outage retries, a refusal does not).
  TEAMS_TOKEN_INVALID: {
    status: 401,
    retryable: false,
    message: 'The Bot Framework token is missing or invalid, or the activity is from another tenant.',
  },
  TEAMS_UNAVAILABLE: { status: 503, retryable: true, message: 'Microsoft Teams could not be reached.' },
  TEAMS_ERROR: { status: 502, retryable: false, message: 'Microsoft Teams answered with an error.' },
  // Credential stores (background jobs only). A directory (LDAP/AD) reset: the account is not
  // there, the directory refused the bind or the change, or it could not be reached.
  LDAP_USER_NOT_FOUND: { status: 502, retryable: false, message: 'No directory account matches the requester.' },
  LDAP_AUTH_FAILED: { status: 502, retryable: false, message: "The directory rejected resetdesk's bind credentials or their permissions." },
  LDAP_ERROR: { status: 502, retryable: false, message: 'The directory refused the password change.' },
  LDAP_UNAVAILABLE: { status: 503, retryable: true, message: 'The directory could not be reached.' },
  // An external executor's job webhook: an outage retries, any other 4xx fails the request visibly.
  EXECUTOR_REJECTED: { status: 502, retryable: false, message: 'The external executor refused the reset job.' },
  EXECUTOR_UNAVAILABLE: { status: 503, retryable: true, message: 'The external executor could not be reached.' },
  // The optional chat agent's model (an OpenAI-compatible endpoint): the caller falls back to the
  // deterministic conversation engine either way.
  LLM_UNAVAILABLE: { status: 503, retryable: true, message: 'The language model could not be reached.' },
  LLM_ERROR: { status: 502, retryable: false, message: 'The language model answered with an error.' },
  CONFIG_INVALID: { status: 500, retryable: false, message: 'The configuration is not valid.' },
  // A 4xx refusal (invalid, no such user, a status Okta will not reset) or an answer we cannot use.
  OKTA_ERROR: { status: 502, retryable: false, message: 'Okta answered with an error.' },
  // Also a reset of unknown outcome (`details.outcomeUnknown`): the retry asks Okta first.
  OKTA_UNAVAILABLE: { status: 503, retryable: true, message: 'Okta could not be reached.' },
  OKTA_RATE_LIMITED: { status: 503, retryable: true, message: 'Okta rate limit reached.' },
  // 401, or 403 access denied: the same credential gets the same answer until someone fixes it.
  OKTA_AUTH_FAILED: { status: 502, retryable: false, message: "Okta rejected resetdesk's credentials or their permissions." },
  MAIL_FAILED: { status: 502, retryable: true, message: 'The email could not be sent.' },
  // A 5xx from the SMTP server for this recipient or message (e.g. 550 no such mailbox): final.
  MAIL_REJECTED: { status: 502, retryable: false, message: 'The mail server refused the email for good.' },
  // A bug or a passing fault; like any unexpected error, bounded by the job's attempt limit.
  INTERNAL: { status: 500, retryable: true, message: 'Internal error.' },
} as const satisfies Record<string, ErrorCodeSpec>;

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

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * Whether trying again later may help: an AppError by its code; another error that says
 * `retryable: false` (a job's PermanentJobError) no; anything else yes — an unexpected error
 * may be a passing one, and the caller's attempt limit bounds the cost of a bug.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return err.retryable;
  return !(typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false);
}
