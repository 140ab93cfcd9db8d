import { z } from 'zod';
import { createApp, editApp, exportCatalogCsv, importCatalogCsv, listCatalog, removeApp } from '../../services/app.service.js';
import { syncCatalogFromOkta } from '../../services/app-sync.service.js';
import { appIdParams, appSyncQuery, appsCsvBody, createAppBody, updateAppBody } from '../api-schemas.js';
import { appImportSchema, appListSchema, appSyncResultSchema, catalogAppSchema } from '../response-schemas.js';
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
    errors: ['APP_ALREADY_EXISTS', 'APP_ALIAS_CLASH'],
    async handler({ body }, ctx) {
      return createApp(ctx, {
        name: body.name,
        oktaAppId: body.oktaAppId ?? null,
        resetUrl: body.url ?? null,
        resetMethod: body.resetMethod,
        sensitive: body.sensitive,
        approverGroup: body.approverGroup ?? null,
        store: body.store ?? null,
        aliases: body.aliases ?? [],
      });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/apps/sync',
    auth: { roles: ['admin'] },
    summary: 'Sync the catalog from Okta: add new apps, update Okta fields, flag deactivated or deleted ones',
    description:
      'Reads every ACTIVE and INACTIVE Okta app. Fields an admin set (reset URL, sensitive, approver group, store, aliases, reset method) are never changed; apps gone from Okta are flagged (`okta.status` DELETED), never removed. `dryRun=true` reports the changes and writes nothing.',
    tags,
    query: appSyncQuery,
    response: appSyncResultSchema,
    errors: ['OKTA_ERROR', 'OKTA_UNAVAILABLE', 'OKTA_RATE_LIMITED', 'OKTA_AUTH_FAILED'],
    async handler({ query, principal }, ctx) {
      return syncCatalogFromOkta(ctx, { dryRun: query.dryRun, actor: principal?.email ?? 'admin', trigger: 'api' });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/apps/export.csv',
    auth: { roles: ['admin'] },
    summary: 'The app catalog as CSV (the header the importer reads)',
    tags,
    produces: 'text/csv',
    response: z.string(),
    async handler({ reply }, ctx) {
      void reply.header('content-disposition', 'attachment; filename="apps.csv"');
      return exportCatalogCsv(ctx);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/apps/import',
    auth: { roles: ['admin'] },
    summary: 'Import a catalog CSV: new names are added, known names replaced; all or nothing',
    description: 'Every line is checked first; any error is a CSV_INVALID naming each bad line in `details.lines`, and nothing is stored.',
    tags,
    consumes: 'text/csv',
    body: appsCsvBody,
    response: appImportSchema,
    errors: ['CSV_INVALID', 'APP_ALIAS_CLASH'],
    async handler({ body }, ctx) {
      return importCatalogCsv(ctx, body);
    },
  }),
  defineRoute({
    method: 'PATCH',
    url: '/api/v1/apps/:id',
    auth: { roles: ['admin'] },
    summary: 'Edit an app: only the fields sent change (null clears one)',
    tags,
    params: appIdParams,
    body: updateAppBody,
    response: catalogAppSchema,
    errors: ['APP_NOT_FOUND', 'APP_ALREADY_EXISTS', 'APP_ALIAS_CLASH'],
    async handler({ params, body }, ctx) {
      return editApp(ctx, params.id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.url !== undefined ? { resetUrl: body.url } : {}),
        ...(body.oktaAppId !== undefined ? { oktaAppId: body.oktaAppId } : {}),
        ...(body.sensitive !== undefined ? { sensitive: body.sensitive } : {}),
        ...(body.approverGroup !== undefined ? { approverGroup: body.approverGroup } : {}),
        ...(body.resetMethod !== undefined ? { resetMethod: body.resetMethod } : {}),
        ...(body.store !== undefined ? { store: body.store } : {}),
        ...(body.aliases !== undefined ? { aliases: body.aliases } : {}),
      });
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/v1/apps/:id',
    auth: { roles: ['admin'] },
    summary: 'Remove an app from the catalog',
    tags,
    params: appIdParams,
    status: 204,
    response: z.null(),
    errors: ['APP_NOT_FOUND'],
    async handler({ params }, ctx) {
      await removeApp(ctx, params.id);
      return null;
    },
  }),
];
