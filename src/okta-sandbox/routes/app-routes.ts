import { appJson, appUserJson } from '../app-json.js';
import { notFound } from '../okta-errors.js';
import type { ApiRoute } from '../router.js';

/** Applications API: the app itself and one user's assignment to it. */
export const oktaAppRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/v1/apps/{appId}',
    scope: 'okta.apps.read',
    handle: (ctx) => ({ body: appJson(ctx.state.requireApp(ctx.params.appId ?? ''), ctx.base) }),
  },
  {
    method: 'GET',
    template: '/api/v1/apps/{appId}/users/{userId}',
    scope: 'okta.apps.read',
    handle: (ctx) => {
      const app = ctx.state.requireApp(ctx.params.appId ?? '');
      const userId = ctx.params.userId ?? '';
      const user = ctx.state.users.get(userId);
      if (!user || !ctx.state.isAssigned(app, user.id)) throw notFound(userId, 'AppUser');
      return { body: appUserJson(app, user, ctx.base) };
    },
  },
];
