import { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';
import { defineRoute, type RouteSpec } from '../route.js';

const tags = ['Channels'];

/**
 * Chat channels' inbound endpoints. Slack signs every request (events, slash commands,
 * interactivity) with the app's signing secret; the connector checks the signature over the raw
 * body before anything is read (connectors/slack), so the route takes no token.
 */
export const channelRoutes: RouteSpec[] = [
  defineRoute({
    method: 'POST',
    url: '/slack/events',
    auth: 'public',
    summary: "Slack's Events API, slash commands and interactivity (signed by Slack)",
    description:
      'Configure this URL as the Request URL for events, the `/reset` slash command and interactivity in the Slack app (docs/slack.md). JSON (events) or form-encoded (commands, `payload=` for interactivity); `X-Slack-Signature` and `X-Slack-Request-Timestamp` are checked, at most 5 minutes off. 404 when Slack is not configured.',
    tags,
    consumes: 'application/x-www-form-urlencoded',
    response: z.unknown(),
    alsoStatus: { 400: 'A body Slack would not send', 401: 'A bad or stale Slack signature' },
    errors: ['NOT_FOUND'],
    async handler({ request, reply }, ctx) {
      if (!ctx.slack) throw new AppError('NOT_FOUND', 'Slack is not configured on this server (SLACK_BOT_TOKEN).');
      const answer = await ctx.slack.handle({ rawBody: request.rawBody ?? Buffer.alloc(0), headers: request.headers });
      await reply.code(answer.status).headers(answer.headers).send(answer.body);
      return undefined;
    },
  }),
];
