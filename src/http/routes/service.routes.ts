import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import type { DevMailbox } from '../../connectors/smtp/index.js';
import { healthSchema, mailboxSchema, readinessSchema } from '../response-schemas.js';
import { defineRoute, type RouteSpec } from '../route.js';

/**
 * How long an Okta readiness result is reused. Load balancers probe every few seconds; each
 * probe calling Okta would spend the same rate-limit bucket that user lookups need.
 */
const OKTA_READINESS_TTL_MS = 30_000;

export interface ServiceRouteOptions {
  /** How long /readyz reuses Okta's answer. */
  readinessCacheMs?: number;
  /** The document served at /api/openapi.json. */
  openapi: () => unknown;
  /** Only without SMTP: what the built-in dev mailbox received. */
  devMailbox?: DevMailbox;
  /** The demo on a loopback HOST: the dev mailbox needs no token. */
  mailboxOpen?: boolean;
}

const tags = ['Service'];

/** Health, readiness, the OpenAPI document and (without SMTP) the dev mailbox. */
export function serviceRoutes(opts: ServiceRouteOptions): RouteSpec[] {
  const ttl = opts.readinessCacheMs ?? OKTA_READINESS_TTL_MS;
  let okta: { at: number; result: Promise<string> } | undefined;
  const oktaReadiness = (ctx: AppContext): Promise<string> => {
    if (!okta || Date.now() - okta.at >= ttl) okta = { at: Date.now(), result: check(() => ctx.okta.ping()) };
    return okta.result;
  };

  const routes = [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      auth: 'public',
      summary: 'Liveness: the process answers',
      tags,
      response: healthSchema,
      async handler() {
        return { status: 'ok' as const };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      auth: 'optional',
      summary: 'Readiness: the database answers and Okta accepted our credentials (503 when not)',
      description: 'Which check failed, and why, is shown to admins only: error texts can name hosts and accounts.',
      tags,
      response: readinessSchema,
      alsoStatus: { 503: 'Not ready' },
      async handler({ principal, reply }, ctx) {
        const [database, oktaStatus] = await Promise.all([check(() => sql`select 1`.execute(ctx.db)), oktaReadiness(ctx)]);
        const ready = database === 'ok' && oktaStatus === 'ok';
        if (!ready) void reply.status(503);
        const status = ready ? ('ready' as const) : ('not ready' as const);
        return principal?.role === 'admin' ? { status, checks: { database, okta: oktaStatus } } : { status };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/openapi.json',
      auth: 'public',
      summary: 'This document',
      tags,
      response: z.record(z.string(), z.unknown()),
      async handler() {
        return opts.openapi() as Record<string, unknown>;
      },
    }),
  ];
  const mailbox = opts.devMailbox;
  if (mailbox) {
    routes.push(
      defineRoute({
        method: 'GET',
        url: '/dev/mailbox',
        // In the demo anyone may look (the README's curl); a signed-in person who is not an
        // admin sees only the mail sent to them, so a requester walking through the demo in the
        // web app watches their own reset email arrive and nobody else's.
        auth: opts.mailboxOpen ? 'optional' : { roles: ['admin'] },
        summary: 'What the built-in dev mailbox received (only without SMTP)',
        description: 'Admins (and, in the demo, anonymous callers) see every message; other signed-in callers only their own.',
        tags,
        hidden: true,
        response: mailboxSchema,
        async handler({ principal }) {
          const messages = mailbox.messages();
          if (!principal || principal.role === 'admin') return { messages };
          const me = principal.email.trim().toLowerCase();
          return { messages: messages.filter((m) => m.to.some((to) => to.trim().toLowerCase() === me)) };
        },
      }),
    );
  }
  return routes;
}

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
