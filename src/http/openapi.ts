import { z } from 'zod';
import { createAppBody, createRequestBody, decisionBody } from './api-schemas.js';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const authErrors = { '401': error('Missing, unknown or revoked bearer token'), '403': error('Role not allowed') };

/** The OpenAPI 3.1 document served at /api/openapi.json; bodies come from the zod schemas. */
export function buildOpenApiDocument(version: string) {
  const input = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: {
      title: 'resetdesk API',
      version,
      description: 'Password-reset requests: create, follow, and decide. Authenticate with `Authorization: Bearer <token>` (see `resetdesk token create`).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        CreateRequest: input(createRequestBody),
        Decision: input(decisionBody),
        CreateApp: input(createAppBody),
        Result: {
          type: ['object', 'null'],
          description: 'The seed-000 decision object of the latest decision.',
          properties: Object.fromEntries(
            ['request_id', 'requestApp', 'requestUser', 'date', 'outcome', 'rationale', 'app', 'oktaAppId', 'oktaUserId'].map((k) => [k, { type: ['string', 'null'] }]),
          ),
        },
        Request: {
          type: 'object',
          properties: {
            request_id: { type: 'string' },
            requester: { type: 'string' },
            app: { type: 'string' },
            status: { type: 'string' },
            statusLabel: { type: 'string' },
            resolution: { type: ['string', 'null'] },
            priority: { type: 'string', enum: ['Low', 'Medium', 'High'] },
            decision: { type: ['string', 'null'] },
            rationale: { type: ['string', 'null'] },
            ruleId: { type: ['string', 'null'] },
            next_owner: { type: ['string', 'null'] },
            result: ref('Result'),
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/requests': {
        post: {
          summary: 'Create a password-reset request for the authenticated user (intake tokens: for `requester`)',
          requestBody: { required: true, ...json(ref('CreateRequest')) },
          responses: {
            '201': { description: 'Created; triage runs in the background', ...json({ type: 'object', properties: { request_id: { type: 'string' }, status: { type: 'string' } } }) },
            '400': error('Invalid body (names the field)'),
            '413': error('Body too large'),
            ...authErrors,
          },
        },
        get: {
          summary: 'List requests (requesters: their own)',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
          ],
          responses: { '200': { description: 'Requests', ...json({ type: 'object', properties: { requests: { type: 'array', items: ref('Request') } } }) }, '400': error('Bad query'), ...authErrors },
        },
      },
      '/api/v1/requests/{id}': {
        get: { summary: 'One request, with its decision result', parameters: [idParam], responses: { '200': { description: 'The request', ...json(ref('Request')) }, '404': error('Unknown id'), ...authErrors } },
      },
      '/api/v1/requests/{id}/events': {
        get: { summary: 'Audit events of a request, oldest first', parameters: [idParam], responses: { '200': { description: 'Events' }, '404': error('Unknown id'), ...authErrors } },
      },
      '/api/v1/requests/{id}/approve': {
        post: {
          summary: 'Approve an escalated request (approvers, admins; never your own)',
          parameters: [idParam],
          requestBody: json(ref('Decision')),
          responses: { '200': { description: 'Approved', ...json(ref('Request')) }, '404': error('Unknown id'), '409': error('Already decided or not escalated'), ...authErrors },
        },
      },
      '/api/v1/requests/{id}/deny': {
        post: {
          summary: 'Deny an escalated request (approvers, admins; never your own)',
          parameters: [idParam],
          requestBody: json(ref('Decision')),
          responses: { '200': { description: 'Denied', ...json(ref('Request')) }, '404': error('Unknown id'), '409': error('Already decided or not escalated'), ...authErrors },
        },
      },
      '/api/v1/apps': {
        get: { summary: 'The app catalog', responses: { '200': { description: 'Apps' }, ...authErrors } },
        post: {
          summary: 'Add an app to the catalog (admins)',
          requestBody: { required: true, ...json(ref('CreateApp')) },
          responses: { '201': { description: 'Created' }, '400': error('Invalid body'), '409': error('Name taken'), ...authErrors },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'Alive' } } } },
      '/readyz': { get: { summary: 'Readiness: database and Okta reachable', security: [], responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
    },
  };
}
