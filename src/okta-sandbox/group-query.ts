import type { SandboxGroup } from './sandbox-state.js';
import { invalid, type Node, parseExpression } from './user-query.js';

/**
 * Okta's `search=` and `filter=` expressions for List Groups, e.g. `profile.name eq "IT Approvers"`.
 * `search` allows any group profile property, `id`, `type` and the dates, with `eq`, `sw`, and
 * `co` (only on profile.name and profile.description); `filter` allows only `id`, `type`,
 * `lastUpdated` and `lastMembershipUpdated`. Strings match without regard to case. Anything else
 * is Okta's 400 E0000031.
 */

type GroupQueryMode = 'filter' | 'search';
type GroupPredicate = (group: SandboxGroup) => boolean;

const DATE_ATTRS = new Set(['created', 'lastUpdated', 'lastMembershipUpdated']);
const SEARCH_TOP_ATTRS = new Set(['id', 'type', ...DATE_ATTRS]);
const FILTER_ATTRS = new Set(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']);
const CONTAINS_ATTRS = new Set(['profile.name', 'profile.description']);

function attrValue(group: SandboxGroup, attr: string): string | undefined {
  switch (attr) {
    case 'profile.name':
      return group.name;
    case 'profile.description':
      return group.description;
    case 'id':
      return group.id;
    case 'type':
      return 'OKTA_GROUP';
    case 'created':
      return group.created;
    case 'lastUpdated':
      return group.lastUpdated;
    case 'lastMembershipUpdated':
      return group.lastMembershipUpdated;
    default:
      return undefined;
  }
}

function check(node: Node, mode: GroupQueryMode): void {
  if (node.kind !== 'cmp') {
    check(node.left, mode);
    check(node.right, mode);
    return;
  }
  const { attr, op, value } = node;
  if (mode === 'filter') {
    if (!FILTER_ATTRS.has(attr)) throw invalid(`Filtering on "${attr}" is not supported.`);
    if (op !== 'eq' && !(DATE_ATTRS.has(attr) && ['gt', 'ge', 'lt', 'le'].includes(op))) {
      throw invalid(`The "${op}" operator is not supported for "${attr}" in a filter.`);
    }
  } else {
    if (!attr.startsWith('profile.') && !SEARCH_TOP_ATTRS.has(attr)) throw invalid(`Searching on "${attr}" is not supported.`);
    if (op === 'co' && !CONTAINS_ATTRS.has(attr)) throw invalid(`The "co" operator is not supported for "${attr}".`);
    if (!DATE_ATTRS.has(attr) && !['eq', 'sw', 'co', 'pr'].includes(op))
      throw invalid(`The "${op}" operator is not supported for "${attr}".`);
  }
  if (DATE_ATTRS.has(attr) && value !== null && Number.isNaN(Date.parse(value)))
    throw invalid(`"${value}" is not a valid date for "${attr}".`);
}

function compare(node: Extract<Node, { kind: 'cmp' }>, group: SandboxGroup): boolean {
  const actual = attrValue(group, node.attr);
  if (node.op === 'pr') return actual !== undefined && actual !== '';
  if (actual === undefined || node.value === null) return false;
  if (DATE_ATTRS.has(node.attr)) {
    const a = Date.parse(actual);
    const b = Date.parse(node.value);
    return { eq: a === b, gt: a > b, ge: a >= b, lt: a < b, le: a <= b, sw: false, co: false }[node.op];
  }
  const a = actual.toLowerCase();
  const b = node.value.toLowerCase();
  return node.op === 'eq' ? a === b : node.op === 'sw' ? a.startsWith(b) : node.op === 'co' ? a.includes(b) : false;
}

/** Compiles a group search or filter expression; throws Okta's 400 E0000031 when it is not valid. */
export function parseGroupQuery(expression: string, mode: GroupQueryMode): GroupPredicate {
  const tree = parseExpression(expression);
  check(tree, mode);
  const evaluate = (node: Node, group: SandboxGroup): boolean =>
    node.kind === 'cmp'
      ? compare(node, group)
      : node.kind === 'and'
        ? evaluate(node.left, group) && evaluate(node.right, group)
        : evaluate(node.left, group) || evaluate(node.right, group);
  return (group) => evaluate(tree, group);
}
