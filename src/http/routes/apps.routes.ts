import { createApp, listCatalog } from '../../services/app.service.js';
import { createAppBody } from '../api-schemas.js';
import { appListSchema, catalogAppSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';

const tags = ['Apps'];

export const appRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/v1/apps',
    auth: {},
    summary: 'The app catalog',
    tags,
    response: appListSchema,
    async handler(_input, ctx) {
      return { apps: await listCatalog(ctx) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/apps',
    auth: { roles: ['admin'] },
    summary: 'Add an app to the catalog',
    tags,
    body: createAppBody,
    status: 201,
    response: catalogAppSchema,
    errors: ['APP_ALREADY_EXISTS'],
    async handler({ body }, ctx) {
      return createApp(ctx, {
        name: body.name,
        oktaAppId: body.oktaAppId ?? null,
        resetUrl: body.url ?? null,
        resetMethod: body.resetMethod,
        sensitive: body.sensitive,
        approverGroup: body.approverGroup ?? null,
      });
    },
  }),
];
