import { z } from 'zod';
import { REQUEST_STATUSES, RESET_METHODS } from '../domain/types.js';

/** Request bodies and queries of the HTTP API; the OpenAPI document is generated from these. */

const email = z.string().trim().toLowerCase().max(320).pipe(z.email({ error: 'must be an email address' }));

export const createRequestBody = z
  .object({
    app: z.string({ error: 'is required (the application name)' }).trim().min(1, 'must not be empty').max(200),
    justification: z.string({ error: 'is required (why you need the reset)' }).trim().min(1, 'must not be empty').max(2000),
    /** The account to reset; omit for your own. Anyone else's account is denied. */
    targetUser: email.optional(),
    /** Only for intake tokens: the person the channel authenticated. */
    requester: email.optional(),
  })
  .strict();

export const decisionBody = z.object({ comment: z.string().trim().max(2000).optional() }).strict();

export const listRequestsQuery = z
  .object({
    status: z.enum(REQUEST_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const createAppBody = z
  .object({
    name: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200),
    url: z
      .string()
      .trim()
      .max(2000)
      .refine((v) => /^https?:\/\/\S+$/i.test(v), 'must be an http:// or https:// URL')
      .optional(),
    oktaAppId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an Okta app id such as 0oa1b2c3d4E5f6G7h8i9').optional(),
    sensitive: z.boolean().default(false),
    approverGroup: z.string().trim().min(1).max(200).optional(),
    resetMethod: z.enum(RESET_METHODS).default('auto'),
  })
  .strict();

export const requestIdParams = z.object({ id: z.string().min(1).max(100) });
