import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';

/**
 * A credential store that resetdesk cannot reset itself (no API): on approval it POSTs a signed
 * job to an executor (an RPA bot, a script), which resets the password and POSTs a signed result
 * back. See docs/external-executors.md. Messages never name a value: the caller prefixes the
 * field's name, and secrets must not reach errors or logs.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const UNIT_MS = { s: 1000, m: MINUTE_MS, h: 60 * MINUTE_MS, d: DAY_MS } as const;
const DURATION = /^(\d{1,7})(s|m|h|d)$/;

/** A short secret could be guessed offline from a single signed message, then used to forge callbacks. */
const secret = z.string({ error: 'is required' }).min(32, 'must be at least 32 characters');

/** `90s`, `30m`, `4h`, `2d` → milliseconds, between one minute and 30 days. */
const duration = z.string({ error: 'must be a duration such as 90s, 30m, 4h or 2d' }).transform((value, ctx) => {
  const match = DURATION.exec(value.trim());
  if (!match) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'must be a duration such as 90s, 30m, 4h or 2d (a whole number and s, m, h or d)',
    });
    return z.NEVER;
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < MINUTE_MS || ms > 30 * DAY_MS) {
    ctx.issues.push({ code: 'custom', input: value, message: 'must be between 1m and 30d' });
    return z.NEVER;
  }
  return ms;
});

export const externalStoreConfigSchema = z
  .object({
    /** The executor's job webhook; `https://` only, plain `http://` on a loopback host (tests, a local bot). */
    url: z
      .string({ error: 'is required' })
      .trim()
      .refine(isHttpsOrLoopback, 'must be an https:// URL (http:// only on a loopback host)')
      .refine((v) => {
        if (!URL.canParse(v)) return true;
        const url = new URL(v);
        return url.username === '' && url.password === '' && url.hash === '';
      }, 'must not contain credentials or a fragment (the signature authenticates resetdesk)'),
    /** Signs jobs and verifies callbacks. */
    secret,
    /**
     * The secret being rotated in: jobs carry a second signature for it and callbacks may use it.
     * Empty counts as unset, so `${VAR:-}` can stay in the stores file between rotations.
     */
    nextSecret: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .pipe(secret.optional()),
    /** No callback within this long → the request is Failed and escalated to a human. */
    timeout: duration.prefault('4h'),
    /** Whether the store makes up the new password itself (the job's `generatePassword`). */
    generatesPassword: z.boolean({ error: 'must be true or false' }).default(false),
    /** Per HTTP call to the executor, until its whole answer has been read. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  // A misspelt key (`nextSecert`) would otherwise be dropped in silence, mid-rotation.
  .strict()
  .refine((c) => c.nextSecret === undefined || c.nextSecret !== c.secret, {
    path: ['nextSecret'],
    message: 'must differ from secret',
  });
/** The parsed configuration (defaults applied, `timeout` in milliseconds). */
export type ExternalStoreConfig = z.output<typeof externalStoreConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/*
 * The two messages. They are published as JSON Schema in docs/external-executors.md (generated
 * from these, see schema-docs.test.ts), so they hold no transforms and describe their own fields.
 */

/** Any C0/C1 control character except line feed and tab: free text may have lines, nothing else. */
const CONTROL_IN_TEXT = /(?![\n\t])\p{Cc}/u;
const CONTROL = /\p{Cc}/u;
const nullableId = (description: string) => z.string().min(1).max(100).nullable().describe(description);

export const externalJobSchema = z
  .object({
    request_id: z.string().min(1).max(100).describe("resetdesk's request id, e.g. req_0m3k9x2a1b0000a1b2c3d4e5; the same on every retry."),
    user: z
      .object({
        login: z.string().min(1).max(320).describe('The account to reset, as the app knows it (usually the Okta login).'),
        email: z.string().min(1).max(320).describe("The requester's email address."),
        oktaUserId: nullableId("The person's Okta user id, or null when resetdesk has none."),
      })
      .strict(),
    app: z
      .object({
        name: z.string().min(1).max(200).describe("The app's name in resetdesk's catalog."),
        oktaAppId: nullableId("The app's Okta app id, or null when it is not an Okta app."),
      })
      .strict(),
    generatePassword: z
      .boolean()
      .describe(
        'true: have the store make up a new password and return it in the callback; false: the store delivers the new credential itself.',
      ),
    callbackUrl: z.string().min(1).max(2000).describe('Where to POST the signed result.'),
  })
  .strict()
  .meta({
    title: 'resetdesk external executor job',
    description: 'POSTed by resetdesk to the executor, signed with X-Resetdesk-Signature.',
  });

export const externalResultSchema = z
  .object({
    status: z.enum(['success', 'failure']).describe('Whether the password was reset.'),
    message: z
      .string()
      .max(1000)
      .refine((v) => !CONTROL_IN_TEXT.test(v), 'must not contain control characters (other than line feeds and tabs)')
      .describe('Shown to the requester and kept in the audit log; no control characters except line feed and tab.')
      .optional(),
    password: z
      .string()
      .min(1)
      .max(256)
      .refine((v) => !CONTROL.test(v), 'must not contain control characters')
      .describe(
        'Only with status "success": the password the store generated; emailed to the requester once, never stored. No control characters.',
      )
      .optional(),
  })
  .strict()
  .refine((r) => r.password === undefined || r.status === 'success', {
    path: ['password'],
    message: 'is only allowed with status "success"',
  })
  .meta({
    title: 'resetdesk external executor result',
    description: "POSTed by the executor to the job's callbackUrl, signed with X-Resetdesk-Signature.",
  });

/** What resetdesk POSTs to the executor. */
export type ExternalJob = z.output<typeof externalJobSchema>;
/** What the executor POSTs back to `callbackUrl`. */
export type ExternalResult = z.output<typeof externalResultSchema>;

export interface ExternalExecutorClient {
  readonly url: string;
  /** Secrets a callback may be signed with: [secret, nextSecret?]. */
  readonly secrets: readonly string[];
  /**
   * POSTs the job (JSON, signed with signatureHeaders at the current time from src/time.ts
   * nowMs()), Idempotency-Key header = `idempotencyKey`; resolves { status } on 2xx; throws
   * AppError EXECUTOR_UNAVAILABLE (network error, timeout, 408, 429, 5xx; details.httpStatus when
   * any) or EXECUTOR_REJECTED (any other status; details.httpStatus, and at most 200 chars of the
   * response body in the message).
   */
  dispatch(job: ExternalJob, idempotencyKey: string): Promise<{ status: number }>;
}
