import { z } from 'zod';
import { STORE_NAME_PATTERN } from '../domain/credential-store.js';
import { APP_NAME_MAX, appNameFits } from '../domain/policy.js';
import { REQUEST_STATUSES, RESET_METHODS, ROLES } from '../domain/types.js';

/** Request bodies and queries of the HTTP API; the OpenAPI document is generated from these. */

/*
 * Control characters no field needs are refused here, at the edge, so both databases see the
 * same text (PostgreSQL rejects NUL in text; SQLite would store it). Free text may keep tabs
 * and line breaks; names, groups and ids may not.
 */
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** One line of text: a name, a group, an app. */
const line = (max: number, required = 'is required') =>
  z
    .string({ error: required })
    .refine((v) => !CONTROL_IN_LINE.test(v), 'must not contain control characters')
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

/** Free text shown to humans (justification, comment): line breaks and tabs allowed. */
const text = (max: number, required = 'is required') =>
  z
    .string({ error: required })
    .refine((v) => !CONTROL_IN_TEXT.test(v), 'must not contain control characters (other than tabs and line breaks)')
    .transform((v) => v.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`));

const email = z
  .string()
  .refine((v) => !CONTROL_IN_LINE.test(v), 'must not contain control characters')
  .transform((v) => v.trim().toLowerCase())
  .pipe(
    z
      .string()
      .max(320)
      .pipe(z.email({ error: 'must be an email address' })),
  );

export const createRequestBody = z
  .object({
    app: line(200, 'is required (the application name)'),
    justification: text(2000, 'is required (why you need the reset)').pipe(z.string().min(1, 'must not be empty')),
    /** The account to reset; omit for your own. Anyone else's account is denied. */
    targetUser: email.optional(),
    /** Only for intake tokens: the person the channel authenticated. */
    requester: email.optional(),
  })
  .strict()
  .meta({ id: 'CreateRequest' });

/** An approver's decision; the body is optional. */
export const decisionBody = z
  .object({ comment: text(2000).optional() })
  .strict()
  .meta({ id: 'DecisionComment' })
  .optional();

/** An approver's question when returning a request for more information. */
export const returnBody = z
  .object({ question: text(2000, 'is required (what the requester should tell you)').pipe(z.string().min(1, 'must not be empty')) })
  .strict()
  .meta({ id: 'ReturnForInformation' });

/** The requester's answer to the open question: the app they meant, and/or a message. */
export const replyBody = z
  .object({
    /** Free text: the answer to an approver's question. */
    message: text(2000).optional(),
    /** The app meant, when resetdesk asked "Did you mean …?" (one of the candidates, or another catalog name). */
    app: line(200).optional(),
  })
  .strict()
  .refine((b) => Boolean(b.message?.trim() || b.app?.trim()), { message: 'give a message, an app, or both' })
  .meta({ id: 'Reply' });

/** The result of a reset carried out by an external system or a person. */
export const externalResultBody = z
  .object({
    outcome: z.enum(['Completed', 'Failed'], { error: 'must be Completed or Failed' }),
    /** Shown to the requester with a failure; kept in the audit log either way. */
    comment: text(2000).optional(),
  })
  .strict()
  .meta({ id: 'ExternalResult' });

/** The requester's proof: a code for one of the offered factors, or `{ factorId }` to have Okta send one. */
export const verifyBody = z
  .object({
    factorId: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be an Okta factor id')
      .optional(),
    /** Digits as the authenticator shows them; never stored or logged. */
    passCode: z
      .string()
      .trim()
      .regex(/^[0-9]{4,10}$/, 'must be the 4–10 digit code')
      .optional(),
  })
  .strict()
  .meta({ id: 'Verify' })
  .optional();

/** Why the request is cancelled (optional). */
export const cancelBody = z
  .object({ reason: text(500).optional() })
  .strict()
  .meta({ id: 'CancelRequest' })
  .optional();

export const listRequestsQuery = z
  .object({
    status: z.enum(REQUEST_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** The fields of a catalog app, checked the same way on create and edit. */
const appFields = {
  name: line(APP_NAME_MAX).refine(appNameFits, `must be at most ${APP_NAME_MAX} characters (counted in lower case)`),
  url: z
    .string()
    .trim()
    .max(2000)
    .refine((v) => /^https?:\/\/[\x21-\x7e]+$/i.test(v), 'must be an http:// or https:// URL'),
  oktaAppId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an Okta app id such as 0oa1b2c3d4E5f6G7h8i9'),
  approverGroup: line(200),
  /** Checked against the configured stores by the service (they are known only at run time). */
  store: z
    .string()
    .trim()
    .regex(STORE_NAME_PATTERN, 'must be a store name: lower-case letters, digits and dashes (okta, swa-link, or one of STORES_FILE)')
    .meta({ description: 'The credential store that resets the app: okta, swa-link, or one declared in STORES_FILE' }),
};

/** Other names of an app: trimmed, non-empty, at most 20 of at most 100 characters, no repeats. */
const appAliases = z
  .array(line(100))
  .max(20, 'at most 20 aliases per app')
  .refine((list) => new Set(list.map((a) => a.replace(/\s+/g, ' ').toLowerCase())).size === list.length, 'must not repeat an alias')
  .meta({ description: 'Other names the app is requested by ("o365"); unique across the catalog, case-insensitively' });

export const createAppBody = z
  .object({
    name: appFields.name,
    url: appFields.url.optional(),
    oktaAppId: appFields.oktaAppId.optional(),
    sensitive: z.boolean().default(false),
    approverGroup: appFields.approverGroup.optional(),
    resetMethod: z.enum(RESET_METHODS).default('auto'),
    store: appFields.store.optional(),
    aliases: appAliases.optional(),
  })
  .strict()
  .meta({ id: 'CreateApp' });

/** An edit: only the fields sent change; null clears an optional field. */
export const updateAppBody = z
  .object({
    name: appFields.name.optional(),
    url: appFields.url.nullable().optional(),
    oktaAppId: appFields.oktaAppId.nullable().optional(),
    sensitive: z.boolean().optional(),
    approverGroup: appFields.approverGroup.nullable().optional(),
    resetMethod: z.enum(RESET_METHODS).optional(),
    store: appFields.store.nullable().optional(),
    /** Replaces the app's aliases; [] removes them all. */
    aliases: appAliases.optional(),
  })
  .strict()
  .meta({ id: 'UpdateApp' });

/** `POST /api/v1/apps/sync?dryRun=true`: report the changes, write nothing. */
export const appSyncQuery = z
  .object({
    dryRun: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();

/** The app catalog as CSV (the header `resetdesk apps import` reads). */
export const appsCsvBody = z
  .string()
  .meta({ description: 'CSV with the header App,URL,oktaID[,sensitive,approverGroup,resetMethod,store,aliases] (aliases separated by |)' });

export const createTokenBody = z
  .object({
    email,
    role: z.enum(ROLES),
    label: line(200).optional(),
  })
  .strict()
  .meta({ id: 'CreateToken' });

/**
 * Ids are made by resetdesk (see db/ids.ts). Anything else names nothing, so a params failure
 * is a 404 (error-handler.ts), checked before the body is looked at.
 */
export const idParams = z.object({ id: z.string().regex(/^[a-z]{2,8}_[a-z0-9]{10,40}$/, 'names no request') });

/** An app id (db/ids.ts `app_…`); anything else is an APP_NOT_FOUND (error-handler.ts). */
export const appIdParams = z.object({ id: z.string().regex(/^app_[a-z0-9]{10,40}$/, 'names no app') });

/** An API token id (`tok_…`); anything else is a NOT_FOUND. */
export const tokenIdParams = z.object({ id: z.string().regex(/^tok_[a-z0-9]{10,40}$/, 'names no token') });

export const listDecisionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
