import { z } from 'zod';
import { POLICY_SOURCES, SYNC_TRIGGERS } from '../../db/repositories/policy.repository.js';
import { policySchema } from '../../domain/policy.js';
import { principalOf } from '../auth.js';
import { defineRoute } from '../route.js';

const tags = ['Policy'];

const policyIssueSchema = z
  .object({
    line: z.number().int().meta({ description: '1-based line in the YAML (for a page: in its code block)' }),
    path: z.string().meta({ description: "Dotted path of the offending value, e.g. mfa.required ('' for YAML syntax)" }),
    message: z.string(),
  })
  .meta({ id: 'PolicyIssue' });

const source = z.enum(POLICY_SOURCES);

const policyViewSchema = z
  .object({
    version: z.string().meta({ description: "The policy's own version, recorded with every decision" }),
    source: source.meta({ description: 'Where the active policy came from' }),
    sourceRef: z
      .string()
      .meta({ description: 'The file path; `page <id> version <n>: <title>`; the email of the admin who put it; or `built-in`' }),
    activatedAt: z.string(),
    yaml: z.string().meta({ description: 'The policy as written' }),
    policy: policySchema.meta({ description: 'The policy as the decision engine reads it, every default filled in' }),
    referenceText: z.string().nullable().meta({ description: "The policy page's text around the code block, for approvers" }),
    confluence: z
      .object({ pageId: z.string(), pageUrl: z.string(), syncMinutes: z.number().int() })
      .nullable()
      .meta({ description: 'The policy page, when Confluence is the source' }),
    lastSync: z
      .object({
        at: z.string(),
        ok: z.boolean(),
        changed: z.boolean().meta({ description: 'Whether this read activated a policy' }),
        source,
        sourceRef: z.string(),
        trigger: z.enum(SYNC_TRIGGERS),
        version: z.string().nullable(),
        errorCode: z.string().nullable(),
        error: z.string().nullable().meta({ description: 'Why it failed, naming the line of every problem' }),
        errors: z.array(policyIssueSchema),
      })
      .nullable()
      .meta({ description: 'The latest read of the policy source (the page, or the file at start-up)' }),
    lastSuccessfulSyncAt: z.string().nullable(),
    history: z
      .array(z.object({ version: z.string(), source, sourceRef: z.string(), activatedAt: z.string() }))
      .meta({ description: 'The latest activations, newest first (the first is the active policy)' }),
  })
  .meta({ id: 'PolicyView' });

const replacePolicyBody = z
  .strictObject({
    yaml: z
      .string()
      .min(1)
      .max(64 * 1024)
      .meta({ description: 'The whole policy as YAML (docs/configuration.md, "The policy file")' }),
  })
  .meta({ id: 'ReplacePolicy' });

const syncResultSchema = z
  .object({
    ok: z.literal(true),
    changed: z.boolean().meta({ description: "false: the page's policy was already the active one" }),
    pageId: z.string(),
    pageVersion: z.number().int(),
    version: z.string(),
    sourceRef: z.string(),
    policy: policyViewSchema,
  })
  .meta({ id: 'PolicySyncResult' });

/** The reset policy: approvers read it (with its reference text); admins replace or re-sync it. */
export const policyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/v1/policy',
    auth: { roles: ['approver', 'admin'] },
    summary: 'The active policy: its version, source, YAML, reference text, latest sync and history',
    tags,
    response: policyViewSchema,
    async handler(_input, ctx) {
      return ctx.policies.view();
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/v1/policy',
    auth: { roles: ['admin'] },
    summary: 'Replace the active policy (recorded with your email)',
    description:
      'The YAML is validated first: any problem is a POLICY_INVALID listing each one with its line in `details.errors`, and nothing ' +
      'changes. A valid policy is in force at once on every instance (within seconds), and stays until the policy page or file ' +
      'changes, or someone syncs the page (docs/configuration.md, "Where the policy comes from").',
    tags,
    body: replacePolicyBody,
    response: policyViewSchema,
    errors: ['POLICY_INVALID'],
    async handler({ body, request }, ctx) {
      await ctx.policies.replace(body.yaml, principalOf(request).email);
      return ctx.policies.view();
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/policy/sync',
    auth: { roles: ['admin'] },
    summary: 'Read the policy page now and make its policy the active one',
    description:
      'When the page cannot be read or holds no valid policy the active policy is kept, the failure is recorded (lastSync in ' +
      'GET /api/v1/policy) and the answer is the error: POLICY_SOURCE_INVALID (with `details.errors`, lines counted from the ' +
      "code block's first line), CONFLUENCE_PAGE_NOT_FOUND, CONFLUENCE_AUTH_FAILED, CONFLUENCE_UNAVAILABLE or CONFLUENCE_ERROR.",
    tags,
    response: syncResultSchema,
    errors: [
      'POLICY_SOURCE_NOT_CONFIGURED',
      'POLICY_SOURCE_INVALID',
      'CONFLUENCE_PAGE_NOT_FOUND',
      'CONFLUENCE_AUTH_FAILED',
      'CONFLUENCE_UNAVAILABLE',
      'CONFLUENCE_ERROR',
    ],
    async handler(_input, ctx) {
      const result = await ctx.policies.sync('manual');
      return { ...result, policy: await ctx.policies.view() };
    },
  }),
];
