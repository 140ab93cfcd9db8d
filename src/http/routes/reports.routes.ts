import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { GAP_REASONS, RESET_PATHS } from '../../domain/coverage.js';
import { buildCoverageReport } from '../../services/coverage-report.service.js';
import { formatCoverageCsv } from '../../services/coverage-report-format.js';
import { defineRoute } from '../route.js';

const tags = ['Admin'];
const oktaErrors = ['OKTA_ERROR', 'OKTA_UNAVAILABLE', 'OKTA_RATE_LIMITED', 'OKTA_AUTH_FAILED'] as const;

const coverageRowSchema = z
  .object({
    name: z.string().meta({ description: "The catalog's name, or Okta's label for an app the catalog lacks" }),
    catalogAppId: z.string().nullable(),
    oktaAppId: z.string().nullable(),
    oktaLabel: z.string().nullable(),
    signOnMode: z.string().nullable(),
    oktaStatus: z
      .string()
      .nullable()
      .meta({ description: 'ACTIVE / INACTIVE as Okta lists it now; DELETED when Okta no longer lists the id; null when unlinked' }),
    sensitive: z.boolean(),
    path: z.enum(RESET_PATHS),
    reason: z.enum(GAP_REASONS).nullable().meta({ description: 'Why there is no path (path no_path only)' }),
    ruleId: z.string().nullable().meta({ description: "The engine's rule for a typical assigned user" }),
    store: z.string().nullable(),
    automatic: z.boolean().meta({ description: 'The typical request resolves with no human' }),
    action: z.string().nullable().meta({ description: 'What closes the gap' }),
    assignedUsers: z.number().int().nullable(),
    requests: z.object({ total: z.number().int(), byOutcome: z.record(z.string(), z.number().int()) }),
  })
  .meta({ id: 'CoverageRow' });

const coverageReportSchema = z
  .object({
    generatedAt: z.string(),
    policyVersion: z.string(),
    windowDays: z.number().int(),
    summary: z.object({
      apps: z.number().int(),
      byPath: z.record(z.enum(RESET_PATHS), z.number().int()),
      assignedUsers: z.number().int(),
      automaticUsers: z.number().int(),
      automaticShare: z.number().nullable(),
    }),
    apps: z.array(coverageRowSchema),
  })
  .meta({ id: 'CoverageReport' });

const description =
  'Every catalog app and every Okta app the catalog lacks, with the reset path the current policy gives a typical assigned user (ACTIVE, MFA, no admin role), the users Okta assigns to it, the last 30 days of requests for it by outcome, and the action that closes a gap. Gaps (`no_path`) come first. See docs/operations.md, "Coverage report".';

const report = (ctx: AppContext) => buildCoverageReport({ db: ctx.db, okta: ctx.okta, policy: ctx.policy, storeTypes: ctx.stores.types });

export const reportRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/v1/reports/coverage',
    auth: { roles: ['admin'] },
    summary: 'Coverage report: the reset path of every app, and the gaps',
    description,
    tags,
    response: coverageReportSchema,
    errors: oktaErrors,
    async handler(_input, ctx) {
      return report(ctx);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/reports/coverage.csv',
    auth: { roles: ['admin'] },
    summary: 'The coverage report as CSV, one row per app',
    description: 'The same rows as GET /api/v1/reports/coverage; the columns are listed in docs/api.md.',
    tags,
    produces: 'text/csv',
    response: z.string(),
    errors: oktaErrors,
    async handler({ reply }, ctx) {
      void reply.header('content-disposition', 'attachment; filename="coverage.csv"');
      return formatCoverageCsv(await report(ctx));
    },
  }),
];
