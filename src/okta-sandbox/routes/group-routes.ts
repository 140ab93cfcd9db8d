import { parseGroupQuery } from '../group-query.js';
import { notFound } from '../okta-errors.js';
import { paginate } from '../pagination.js';
import { groupJson } from '../resource-json.js';
import type { ApiRoute, RouteContext } from '../router.js';
import { userJson } from '../user-json.js';

/** Groups API: list/search groups, and a group's member users (how resetdesk finds approvers). */

const MAX_GROUPS_PAGE = 10_000;
/** The spec's default page of `GET /api/v1/groups/{groupId}/users`. */
const DEFAULT_MEMBERS_PAGE = 1000;

function listGroups(ctx: RouteContext) {
  const { query, state, base } = ctx;
  const search = query.get('search');
  const filter = query.get('filter');
  const q = query.get('q');
  let groups = state.groupsById();
  if (search !== null) groups = groups.filter(parseGroupQuery(search, 'search'));
  else if (filter !== null) groups = groups.filter(parseGroupQuery(filter, 'filter'));
  // `q`: a prefix match on the name, for pickers; Okta does not page it.
  else if (q !== null) groups = groups.filter((g) => g.name.toLowerCase().startsWith(q.toLowerCase()));
  const page = paginate(groups, query, {
    defaultLimit: q !== null && search === null && filter === null ? 300 : MAX_GROUPS_PAGE,
    maxLimit: MAX_GROUPS_PAGE,
    collectionUrl: `${base}/api/v1/groups`,
    paginate: q === null || search !== null || filter !== null,
  });
  return { body: page.items.map((g) => groupJson(g, base)), headers: { link: page.links } };
}

function listGroupUsers(ctx: RouteContext) {
  const groupId = ctx.params.groupId ?? '';
  const group = ctx.state.groups.get(groupId);
  if (!group) throw notFound(groupId, 'UserGroup');
  // Every member, whatever their status (Okta lists deactivated members too): callers filter.
  const page = paginate(ctx.state.membersOf(group), ctx.query, {
    defaultLimit: DEFAULT_MEMBERS_PAGE,
    maxLimit: 10_000,
    collectionUrl: `${ctx.base}/api/v1/groups/${group.id}/users`,
  });
  return { body: page.items.map((u) => userJson(u, ctx.base)), headers: { link: page.links } };
}

/** The Groups API operations the sandbox implements. */
export const oktaGroupRoutes: ApiRoute[] = [
  { method: 'GET', template: '/api/v1/groups', scope: 'okta.groups.read', handle: listGroups },
  { method: 'GET', template: '/api/v1/groups/{groupId}/users', scope: 'okta.groups.read', handle: listGroupUsers },
];
