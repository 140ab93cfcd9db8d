import { SandboxOktaError } from './okta-errors.js';
import type { SandboxUser } from './sandbox-state.js';
import { USER_TYPE_ID, userProfile } from './user-json.js';

/**
 * Okta's `filter=` and `search=` expressions for List Users, e.g.
 * `profile.login eq "a@example.com" or (status eq "ACTIVE" and lastUpdated gt "2024-01-01T00:00:00.000Z")`.
 * `filter` allows a few properties and only `eq` (plus ranges on lastUpdated); `search`
 * allows any profile property and `sw`/`co`/`pr`. Anything else is Okta's 400 E0000031.
 */

/** Which query parameter the expression came from; they differ in what they allow. */
export type UserQueryMode = 'filter' | 'search';

/** A compiled expression. */
export type UserPredicate = (user: SandboxUser) => boolean;

/** A comparison operator of Okta's expression language. */
type Op = 'eq' | 'sw' | 'co' | 'gt' | 'ge' | 'lt' | 'le' | 'pr';
/** A parsed expression (shared by the users' and the groups' search). */
export type Node = { kind: 'and' | 'or'; left: Node; right: Node } | { kind: 'cmp'; attr: string; op: Op; value: string | null };
type Token = { type: 'lparen' | 'rparen' | 'word' | 'string'; text: string };

const OPS = new Set<Op>(['eq', 'sw', 'co', 'gt', 'ge', 'lt', 'le', 'pr']);
const DATE_ATTRS = new Set(['created', 'activated', 'statusChanged', 'lastUpdated', 'lastLogin', 'passwordChanged']);
const FILTER_ATTRS = new Set(['status', 'lastUpdated', 'id', 'profile.login', 'profile.email', 'profile.firstName', 'profile.lastName']);
const SEARCH_TOP_ATTRS = new Set(['id', 'status', 'created', 'activated', 'statusChanged', 'lastUpdated', 'type.id']);
const CONTAINS_ATTRS = new Set(['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login']);
/** Okta matches logins and emails without regard to case, even under `filter`. */
const CASELESS_IN_FILTER = new Set(['profile.login', 'profile.email']);

/** Okta's 400 E0000031 for an expression it cannot run. */
export function invalid(cause: string): SandboxOktaError {
  return new SandboxOktaError('E0000031', undefined, { causes: [cause] });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', text: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw invalid('Unterminated string literal.');
      i++;
      tokens.push({ type: 'string', text: value });
    } else {
      const m = /^[^\s()"]+/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      tokens.push({ type: 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    if (this.tokens.length === 0) throw invalid('The expression is empty.');
    const node = this.or();
    if (this.pos < this.tokens.length) throw invalid(`Unexpected "${this.tokens[this.pos]?.text}".`);
    return node;
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.type === 'word' ? t.text.toLowerCase() : undefined;
  }

  private or(): Node {
    let left = this.and();
    while (this.peekWord() === 'or') {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.peekWord() === 'and') {
      this.pos++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    const t = this.tokens[this.pos];
    if (!t) throw invalid('The expression ends too early.');
    if (t.type === 'lparen') {
      this.pos++;
      const node = this.or();
      if (this.tokens[this.pos]?.type !== 'rparen') throw invalid('Missing ")".');
      this.pos++;
      return node;
    }
    if (t.type !== 'word') throw invalid(`Expected a property name, found "${t.text}".`);
    if (t.text.toLowerCase() === 'not') throw invalid('The "not" operator is not supported.');
    this.pos++;
    const opToken = this.tokens[this.pos];
    const op = opToken?.type === 'word' ? (opToken.text.toLowerCase() as Op) : undefined;
    if (!op || !OPS.has(op)) throw invalid(`Expected an operator after "${t.text}".`);
    this.pos++;
    if (op === 'pr') return { kind: 'cmp', attr: t.text, op, value: null };
    const v = this.tokens[this.pos];
    if (!v || v.type === 'lparen' || v.type === 'rparen') throw invalid(`Expected a value after "${t.text} ${op}".`);
    this.pos++;
    return { kind: 'cmp', attr: t.text, op, value: v.text };
  }
}

function attrValue(user: SandboxUser, attr: string): string | null | undefined {
  if (attr.startsWith('profile.')) {
    const value = (userProfile(user) as Record<string, unknown>)[attr.slice('profile.'.length)];
    return value === undefined || value === null ? (value as null | undefined) : String(value);
  }
  if (attr === 'type.id') return USER_TYPE_ID;
  return (user as unknown as Record<string, string | null | undefined>)[attr];
}

function check(node: Node, mode: UserQueryMode): void {
  if (node.kind !== 'cmp') {
    check(node.left, mode);
    check(node.right, mode);
    return;
  }
  const { attr, op, value } = node;
  if (mode === 'filter') {
    if (!FILTER_ATTRS.has(attr)) throw invalid(`Filtering on "${attr}" is not supported.`);
    if (op !== 'eq' && !(attr === 'lastUpdated' && ['gt', 'ge', 'lt', 'le'].includes(op))) {
      throw invalid(`The "${op}" operator is not supported for "${attr}" in a filter.`);
    }
  } else {
    if (!attr.startsWith('profile.') && !SEARCH_TOP_ATTRS.has(attr)) throw invalid(`Searching on "${attr}" is not supported.`);
    if (op === 'co' && !CONTAINS_ATTRS.has(attr)) throw invalid(`The "co" operator is not supported for "${attr}".`);
  }
  if (DATE_ATTRS.has(attr) && value !== null && Number.isNaN(Date.parse(value))) {
    throw invalid(`"${value}" is not a valid date for "${attr}".`);
  }
}

function compare(node: Extract<Node, { kind: 'cmp' }>, user: SandboxUser, mode: UserQueryMode): boolean {
  const actual = attrValue(user, node.attr);
  if (node.op === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (actual === undefined || actual === null || node.value === null) return false;
  if (DATE_ATTRS.has(node.attr)) {
    const a = Date.parse(actual);
    const b = Date.parse(node.value);
    return { eq: a === b, gt: a > b, ge: a >= b, lt: a < b, le: a <= b, sw: false, co: false }[node.op];
  }
  const caseless = mode === 'search' || CASELESS_IN_FILTER.has(node.attr);
  const a = caseless ? actual.toLowerCase() : actual;
  const b = caseless ? node.value.toLowerCase() : node.value;
  switch (node.op) {
    case 'eq':
      return a === b;
    case 'sw':
      return a.startsWith(b);
    case 'co':
      return a.includes(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/** Parses an expression's syntax (properties and operators are each resource's to check). */
export function parseExpression(expression: string): Node {
  return new Parser(tokenize(expression)).parse();
}

/** Compiles a filter or search expression; throws Okta's 400 E0000031 when it is not valid. */
export function parseUserQuery(expression: string, mode: UserQueryMode): UserPredicate {
  const tree = parseExpression(expression);
  check(tree, mode);
  const evaluate = (node: Node, user: SandboxUser): boolean =>
    node.kind === 'cmp'
      ? compare(node, user, mode)
      : node.kind === 'and'
        ? evaluate(node.left, user) && evaluate(node.right, user)
        : evaluate(node.left, user) || evaluate(node.right, user);
  return (user) => evaluate(tree, user);
}

/** Okta's `q=`: a starts-with match on first name, last name, email or login. */
export function matchesQ(user: SandboxUser, q: string): boolean {
  const needle = q.toLowerCase();
  return [user.firstName, user.lastName, user.email, user.login].some((v) => v.toLowerCase().startsWith(needle));
}
