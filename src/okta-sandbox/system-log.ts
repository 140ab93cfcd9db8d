import { randomUUID } from 'node:crypto';
import { SandboxOktaError } from './okta-errors.js';

/**
 * The sandbox's System Log (`GET /api/v1/logs`): the events its write operations leave (a reset,
 * an unlock, a password the user set, sessions cleared), filterable the way resetdesk filters
 * them, paged the way Okta pages it — including the polling semantics: a request with `since`, no
 * `until` and ascending order always carries a `next` link (new events may still arrive), while a
 * bounded request's `next` link stops at the last page.
 */

/** One event as the sandbox stores it. */
export interface SandboxLogEvent {
  uuid: string;
  /** ISO time, the event's `published`. */
  published: string;
  eventType: string;
  displayMessage: string;
  outcome: 'SUCCESS' | 'FAILURE';
  /** Who did it: the API client (an admin operation) or the user themselves. */
  actor: { id: string; type: string; alternateId: string; displayName: string };
  /** The user the event is about. */
  target: { id: string; type: string; alternateId: string; displayName: string }[];
}

/** Display messages Okta writes for the event types the sandbox logs. */
const LOG_EVENT_MESSAGES: Record<string, string> = {
  'user.account.reset_password': 'Reset password for Okta user',
  'user.account.update_password': 'User update password for Okta',
  'user.account.unlock_by_admin': 'Unlock user account by admin',
  'user.session.clear': 'Clear user session',
};

/** The API client resetdesk calls as: every admin operation is logged with it as the actor. */
export const API_ACTOR = {
  id: '00TsandboxApiToken00',
  type: 'PublicClientApp',
  alternateId: 'resetdesk',
  displayName: 'resetdesk (API token)',
};

// ---- filter expressions: `attr eq "value"`, `and`, `or`, parentheses (Okta's SCIM-like syntax).

type Predicate = (event: SandboxLogEvent) => boolean;

const FILTER_ATTRIBUTES: Record<string, (e: SandboxLogEvent) => string[]> = {
  eventType: (e) => [e.eventType],
  uuid: (e) => [e.uuid],
  'outcome.result': (e) => [e.outcome],
  'actor.id': (e) => [e.actor.id],
  'actor.alternateId': (e) => [e.actor.alternateId],
  'target.id': (e) => e.target.map((t) => t.id),
  'target.alternateId': (e) => e.target.map((t) => t.alternateId),
};

const TOKEN = /\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z][A-Za-z0-9_.]*))/y;

function invalidFilter(detail: string): SandboxOktaError {
  return new SandboxOktaError('E0000001', 'Api validation failed: filter', { causes: [`filter: ${detail}`] });
}

/** Parses a System Log `filter` into a predicate; Okta's 400 E0000001 for anything else. */
export function parseLogFilter(filter: string): Predicate {
  const tokens: { kind: 'open' | 'close' | 'string' | 'word'; value: string }[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < filter.length) {
    if (/^\s*$/.test(filter.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(filter);
    if (!m) throw invalidFilter(`unexpected text at position ${at}`);
    at = TOKEN.lastIndex;
    if (m[1]) tokens.push({ kind: 'open', value: '(' });
    else if (m[2]) tokens.push({ kind: 'close', value: ')' });
    else if (m[3] !== undefined) tokens.push({ kind: 'string', value: m[3].replace(/\\(.)/g, '$1') });
    else tokens.push({ kind: 'word', value: m[4] ?? '' });
  }
  let i = 0;
  const peekWord = (w: string) => tokens[i]?.kind === 'word' && tokens[i]?.value.toLowerCase() === w;
  const primary = (): Predicate => {
    const t = tokens[i];
    if (t?.kind === 'open') {
      i += 1;
      const inner = disjunction();
      if (tokens[i]?.kind !== 'close') throw invalidFilter('missing ")"');
      i += 1;
      return inner;
    }
    if (t?.kind !== 'word') throw invalidFilter('expected an attribute');
    const read = FILTER_ATTRIBUTES[t.value];
    if (!read) throw invalidFilter(`unsupported attribute "${t.value}"`);
    i += 1;
    if (!peekWord('eq')) throw invalidFilter('only the eq operator is supported by the sandbox');
    i += 1;
    const value = tokens[i];
    if (value?.kind !== 'string') throw invalidFilter('expected a quoted value');
    i += 1;
    return (e) => read(e).includes(value.value);
  };
  const conjunction = (): Predicate => {
    const parts = [primary()];
    while (peekWord('and')) {
      i += 1;
      parts.push(primary());
    }
    return (e) => parts.every((p) => p(e));
  };
  const disjunction = (): Predicate => {
    const parts = [conjunction()];
    while (peekWord('or')) {
      i += 1;
      parts.push(conjunction());
    }
    return (e) => parts.some((p) => p(e));
  };
  if (tokens.length === 0) return () => true;
  const predicate = disjunction();
  if (i !== tokens.length) throw invalidFilter('unexpected text after the expression');
  return predicate;
}

/** The event's JSON (`components.schemas.LogEvent`). */
export function logEventJson(e: SandboxLogEvent): Record<string, unknown> {
  return {
    actor: { ...e.actor },
    client: { ipAddress: '127.0.0.1', userAgent: { rawUserAgent: 'resetdesk', os: 'Unknown', browser: 'UNKNOWN' }, zone: 'null' },
    authenticationContext: { authenticationStep: 0, externalSessionId: 'trsSandbox0000000000' },
    displayMessage: e.displayMessage,
    eventType: e.eventType,
    outcome: { result: e.outcome },
    published: e.published,
    securityContext: {},
    severity: 'INFO',
    debugContext: { debugData: {} },
    transaction: { type: 'WEB', id: e.uuid.replace(/-/g, '').slice(0, 27), detail: {} },
    uuid: e.uuid,
    version: '0',
    request: { ipChain: [] },
    target: e.target.map((t) => ({ ...t })),
  };
}

/** Append-only event store. */
export class SystemLog {
  private readonly events: SandboxLogEvent[] = [];

  constructor(private readonly now: () => number) {}

  record(
    input: Omit<SandboxLogEvent, 'uuid' | 'published' | 'displayMessage' | 'outcome'> & {
      outcome?: 'SUCCESS' | 'FAILURE';
      published?: string;
    },
  ): SandboxLogEvent {
    const event: SandboxLogEvent = {
      uuid: randomUUID(),
      published: input.published ?? new Date(this.now()).toISOString(),
      eventType: input.eventType,
      displayMessage: LOG_EVENT_MESSAGES[input.eventType] ?? input.eventType,
      outcome: input.outcome ?? 'SUCCESS',
      actor: input.actor,
      target: input.target,
    };
    this.events.push(event);
    return event;
  }

  /** The log's clock (epoch ms). */
  nowMs(): number {
    return this.now();
  }

  /** Every event, oldest first (published, then arrival). */
  list(): SandboxLogEvent[] {
    return [...this.events].sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : 0));
  }
}
