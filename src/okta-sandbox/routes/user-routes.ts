import { SandboxOktaError } from '../okta-errors.js';
import { paginate } from '../pagination.js';
import { factorJson, groupJson, roleJson } from '../resource-json.js';
import type { ApiRoute, RouteContext } from '../router.js';
import { userJson } from '../user-json.js';
import { matchesQ, parseUserQuery } from '../user-query.js';

/** Users API: lookup, list/search, and the per-user lists resetdesk checks. */

const MAX_USERS_PAGE = 200;

function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? '';
}

function listUsers(ctx: RouteContext) {
  const { query, state, base } = ctx;
  const search = query.get('search');
  const filter = query.get('filter');
  const q = query.get('q');
  let users = state.usersById();
  // Without an expression Okta hides deactivated users; filter and search include them.
  if (search !== null) users = users.filter(parseUserQuery(search, 'search'));
  else if (filter !== null) users = users.filter(parseUserQuery(filter, 'filter'));
  else users = users.filter((u) => u.status !== 'DEPROVISIONED' && (q === null || matchesQ(u, q)));
  const page = paginate(users, query, {
    defaultLimit: q !== null && search === null && filter === null ? 10 : MAX_USERS_PAGE,
    maxLimit: MAX_USERS_PAGE,
    collectionUrl: `${base}/api/v1/users`,
    paginate: q === null || search !== null || filter !== null,
  });
  return { body: page.items.map((u) => userJson(u, base)), headers: { link: page.links } };
}

function resetPassword(ctx: RouteContext) {
  const raw = ctx.query.get('sendEmail');
  if (raw === null || !['true', 'false'].includes(raw.toLowerCase())) {
    throw new SandboxOktaError('E0000001', 'Api validation failed: sendEmail', {
      causes: ['sendEmail: The query parameter is required and must be true or false.'],
    });
  }
  const user = ctx.state.requireUser(param(ctx, 'id'));
  const result = ctx.state.resetPassword(user, raw.toLowerCase() === 'true', ctx.base);
  return { body: 'resetPasswordUrl' in result ? { resetPasswordUrl: result.resetPasswordUrl } : {} };
}

/** The Users API operations the sandbox implements. */
export const oktaUserRoutes: ApiRoute[] = [
  { method: 'GET', template: '/api/v1/users', scope: 'okta.users.read', handle: listUsers },
  {
    method: 'GET',
    template: '/api/v1/users/{id}',
    scope: 'okta.users.read',
    handle: (ctx) => ({ body: userJson(ctx.state.requireUser(param(ctx, 'id')), ctx.base, true) }),
  },
  {
    method: 'GET',
    template: '/api/v1/users/{id}/groups',
    scope: 'okta.users.read',
    handle: (ctx) => {
      const user = ctx.state.requireUser(param(ctx, 'id'));
      const page = paginate(ctx.state.groupsOf(user), ctx.query, {
        defaultLimit: 10_000,
        maxLimit: 10_000,
        collectionUrl: `${ctx.base}/api/v1/users/${user.id}/groups`,
      });
      return { body: page.items.map((g) => groupJson(g, ctx.base)), headers: { link: page.links } };
    },
  },
  {
    method: 'GET',
    template: '/api/v1/users/{userId}/roles',
    scope: 'okta.roles.read',
    handle: (ctx) => {
      const user = ctx.state.requireUser(param(ctx, 'userId'));
      return { body: user.roles.map((r) => roleJson(r, user, ctx.base)) };
    },
  },
  {
    method: 'GET',
    template: '/api/v1/users/{userId}/factors',
    scope: 'okta.users.read',
    handle: (ctx) => {
      const user = ctx.state.requireUser(param(ctx, 'userId'));
      return { body: user.factors.map((f) => factorJson(f, user, ctx.base)) };
    },
  },
  { method: 'POST', template: '/api/v1/users/{id}/lifecycle/reset_password', scope: 'okta.users.manage', handle: resetPassword },
  {
    method: 'POST',
    template: '/api/v1/users/{id}/lifecycle/unlock',
    scope: 'okta.users.manage',
    handle: (ctx) => {
      ctx.state.unlock(ctx.state.requireUser(param(ctx, 'id')));
      return { body: {} };
    },
  },
  {
    method: 'DELETE',
    template: '/api/v1/users/{userId}/sessions',
    scope: 'okta.users.manage',
    handle: (ctx) => {
      ctx.state.clearSessions(ctx.state.requireUser(param(ctx, 'userId')));
      return { status: 204, body: undefined };
    },
  },
];
