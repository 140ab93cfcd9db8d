import { z } from 'zod';
import { connectorStatus } from '../../services/connector-status.service.js';
import { exportDecisionLogCsv, listDecisionLog } from '../../services/decision-log.service.js';
import { issueToken, listTokens, revokeToken } from '../../services/token.service.js';
import { createTokenBody, listDecisionsQuery, tokenIdParams } from '../api-schemas.js';
import { apiTokenListSchema, apiTokenSchema, connectorStatusSchema, createdTokenSchema, decisionListSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';

const tags = ['Admin'];

/** API tokens and connector status: admins only. */
export const adminRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/v1/tokens',
    auth: { roles: ['admin'] },
    summary: 'Every API token (never the token itself)',
    tags,
    response: apiTokenListSchema,
    async handler(_input, ctx) {
      return { tokens: await listTokens(ctx) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/tokens',
    auth: { roles: ['admin'] },
    summary: 'Create an API token; the answer is the only time its text is shown',
    tags,
    body: createTokenBody,
    status: 201,
    response: createdTokenSchema,
    async handler({ body }, ctx) {
      return issueToken(ctx, { email: body.email, role: body.role, ...(body.label ? { label: body.label } : {}) });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/tokens/:id/revoke',
    auth: { roles: ['admin'] },
    summary: 'Revoke an API token (revoking it again changes nothing)',
    tags,
    params: tokenIdParams,
    response: apiTokenSchema,
    errors: ['NOT_FOUND'],
    async handler({ params }, ctx) {
      return revokeToken(ctx, params.id);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/admin/connectors',
    auth: { roles: ['admin'] },
    summary: "Whether Okta and SMTP answer now, Okta's rate-limit budget per bucket, and the policy source's latest sync",
    description:
      'Calls Okta and SMTP on every request (no cache); the policy source is what the latest sync recorded (POST /api/v1/policy/sync ' +
      'reads the page now). Error texts can name hosts, hence admins only.',
    tags,
    response: connectorStatusSchema,
    async handler(_input, ctx) {
      return connectorStatus(ctx);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/decisions',
    auth: { roles: ['admin'] },
    summary: 'The decision log (engine and approvers), newest first',
    tags,
    query: listDecisionsQuery,
    response: decisionListSchema,
    async handler({ query }, ctx) {
      return { decisions: await listDecisionLog(ctx, query) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/decisions/export.csv',
    auth: { roles: ['admin'] },
    summary: 'The whole decision log as CSV, newest first, with a header row',
    tags,
    produces: 'text/csv',
    response: z.string(),
    async handler({ reply }, ctx) {
      void reply.header('content-disposition', 'attachment; filename="decisions.csv"');
      return exportDecisionLogCsv(ctx);
    },
  }),
];
