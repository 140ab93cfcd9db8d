import { z } from 'zod';
import { SLACK_SOCKET_MODE_ON } from '../../connectors/slack/index.js';
import { AppError } from '../../errors/error-codes.js';
import { handleTeamsActivity } from '../../services/teams-channel.service.js';
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
      'Configure this URL as the Request URL for events, the `/reset` slash command and interactivity in the Slack app (docs/slack.md). JSON (events) or form-encoded (commands, `payload=` for interactivity); `X-Slack-Signature` and `X-Slack-Request-Timestamp` are checked, at most 5 minutes off. 404 when Slack is not configured, or runs in Socket Mode (SLACK_APP_TOKEN: no request URL).',
    tags,
    consumes: 'application/x-www-form-urlencoded',
    response: z.unknown(),
    alsoStatus: { 400: 'A body Slack would not send', 401: 'A bad or stale Slack signature' },
    errors: ['NOT_FOUND'],
    async handler({ request, reply }, ctx) {
      if (!ctx.slack) throw new AppError('NOT_FOUND', 'Slack is not configured on this server (SLACK_BOT_TOKEN).');
      if (ctx.slack.mode === 'socket') throw new AppError('NOT_FOUND', SLACK_SOCKET_MODE_ON);
      const answer = await ctx.slack.handle({ rawBody: request.rawBody ?? Buffer.alloc(0), headers: request.headers });
      await reply.code(answer.status).headers(answer.headers).send(answer.body);
      return undefined;
    },
  }),
  // Microsoft Teams signs every activity with a Bot Framework token (a JWT in Authorization): the
  // connector verifies it and the tenant before anything is processed, so the route takes no token.
  defineRoute({
    method: 'POST',
    url: '/api/messages',
    auth: 'public',
    summary: "Microsoft Teams' activities (the Azure Bot's messaging endpoint, signed by the Bot Framework)",
    description:
      "Configure `https://<host>/api/messages` as the Azure Bot's messaging endpoint (docs/teams.md). A Bot Framework activity as JSON with `Authorization: Bearer <token>`: signed by a key of the Bot Framework's OpenID metadata, issuer `https://api.botframework.com`, audience MICROSOFT_APP_ID, unexpired, its `serviceurl` claim the activity's serviceUrl, from the tenant MICROSOFT_APP_TENANT_ID; else 401 `TEAMS_TOKEN_INVALID` and nothing is processed. 202 for a message; an `adaptiveCard/action` invoke gets 200 with the invoke response (the card's new state, or a message for the person who pressed). 404 when Teams is not configured.",
    tags,
    body: z.unknown(),
    response: z.unknown(),
    alsoStatus: {
      202: 'A message activity, accepted',
      400: 'A body that is not a Bot Framework activity',
      401: 'A bad Bot Framework token, or another tenant',
    },
    errors: ['NOT_FOUND', 'TEAMS_TOKEN_INVALID', 'TEAMS_UNAVAILABLE'],
    async handler({ request, reply, body }, ctx) {
      if (!ctx.teams) throw new AppError('NOT_FOUND', 'Microsoft Teams is not configured on this server (MICROSOFT_APP_ID).');
      const authorization = request.headers.authorization;
      const answer = await handleTeamsActivity(ctx, ctx.teams, typeof authorization === 'string' ? authorization : undefined, body);
      if (answer.body === undefined) await reply.code(answer.status).send();
      else await reply.code(answer.status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(answer.body));
      return undefined;
    },
  }),
];
