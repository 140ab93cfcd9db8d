import { appJson, appUserJson } from '../app-json.js';
import { notFound } from '../okta-errors.js';
import { paginate } from '../pagination.js';
import type { ApiRoute, RouteContext } from '../router.js';

/** Okta's `limit` for apps is at most 200 (and `-1`, its default, means "the largest page"). */
const MAX_APPS_PAGE = 200;

/** `GET /api/v1/apps`: every app, ACTIVE and INACTIVE, by ascending id, paged with `limit`/`after` and `Link`. */
function listApps(ctx: RouteContext) {
  const apps = [...ctx.state.apps.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const query = new URLSearchParams(ctx.query);
  if (query.get('limit') === '-1') query.delete('limit');
  const page = paginate(apps, query, { defaultLimit: MAX_APPS_PAGE, maxLimit: MAX_APPS_PAGE, collectionUrl: `${ctx.base}/api/v1/apps` });
  return { body: page.items.map((a) => appJson(a, ctx.base)), headers: { link: page.links } };
}

/** Okta's page of app users: 50 unless `limit` says otherwise, at most 500. */
const APP_USERS_PAGE = { defaultLimit: 50, maxLimit: 500 };

/** `GET /api/v1/apps/{appId}/users`: the users assigned to the app, by ascending id, paged with `limit`/`after` and `Link`. */
function listAppUsers(ctx: RouteContext) {
  const app = ctx.state.requireApp(ctx.params.appId ?? '');
  const users = ctx.state.usersById().filter((u) => ctx.state.isAssigned(app, u.id));
  const page = paginate(users, new URLSearchParams(ctx.query), {
    ...APP_USERS_PAGE,
    collectionUrl: `${ctx.base}/api/v1/apps/${app.id}/users`,
  });
  return { body: page.items.map((u) => appUserJson(app, u, ctx.base)), headers: { link: page.links } };
}

/** Applications API: the list, the app itself, its assigned users and one user's assignment to it. */
export const oktaAppRoutes: ApiRoute[] = [
  { method: 'GET', template: '/api/v1/apps', scope: 'okta.apps.read', handle: listApps },
  {
    method: 'GET',
    template: '/api/v1/apps/{appId}',
    scope: 'okta.apps.read',
    handle: (ctx) => ({ body: appJson(ctx.state.requireApp(ctx.params.appId ?? ''), ctx.base) }),
  },
  { method: 'GET', template: '/api/v1/apps/{appId}/users', scope: 'okta.apps.read', handle: listAppUsers },
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
