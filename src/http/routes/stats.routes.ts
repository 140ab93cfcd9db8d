import { z } from 'zod';
import { ESCALATION_AGE_BUCKETS } from '../../db/repositories/stats.repository.js';
import { requestStats } from '../../services/stats.service.js';
import { defineRoute } from '../route.js';

const statsQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(365).default(30).meta({ description: 'The window: the last N days, today (UTC) included' }),
  })
  .strict();

const count = z.number().int().min(0);

const statsSchema = z
  .object({
    days: count,
    since: z.string().meta({ description: 'Start of the window (midnight UTC)' }),
    requests: count,
    automatic: count.meta({ description: 'Resolved by the policy alone: no human decision, ended Completed or Rejected' }),
    automaticShare: z.number().min(0).max(1),
    timeToResolution: z.object({
      resolved: count,
      medianSeconds: z.number().nullable(),
      p90Seconds: z.number().nullable(),
    }),
    perDay: z.array(
      z.object({
        date: z.string(),
        Completed: count,
        Rejected: count,
        Escalated: count,
        PendingExternal: count,
        Other: count,
      }),
    ),
    openEscalations: z.array(z.object({ bucket: z.enum(ESCALATION_AGE_BUCKETS), count })),
    topApps: z.array(z.object({ app: z.string(), count })),
    denialsByRule: z.array(z.object({ ruleId: z.string().nullable(), count })),
    costAvoided: z.object({ amount: z.number(), helpDeskResetCost: z.number(), selfServiceResetCost: z.number() }),
    agent: z
      .object({
        runs: count,
        failedRuns: count.meta({ description: 'Runs whose model call failed (unavailable, an error answer); the chat went on without it' }),
        promptTokens: count,
        completionTokens: count,
        latencyP50Ms: z.number().nullable().meta({ description: 'Median latency of the runs (failed ones included); null without runs' }),
        latencyP95Ms: z.number().nullable(),
        requests: count.meta({ description: 'Requests filed from a conversation the agent read' }),
        agreements: count.meta({ description: "The policy's decisions on those requests that matched the agent's proposal" }),
        disagreements: count,
      })
      .meta({ description: 'The optional LLM agent (LLM_*) over the window, by when it ran; all zeros without runs' }),
  })
  .meta({ id: 'RequestStats', description: "The dashboard's figures over a window of days" });

export const statsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/v1/stats',
    auth: { roles: ['approver', 'admin'] },
    summary:
      'Dashboard figures: requests by outcome, automation share, time to resolution, open escalations, cost avoided, LLM agent usage',
    description:
      'Counts requests filed in the last `days` days (today, UTC, included); open escalations are counted whenever filed. ' +
      'Cost avoided = automatic resolutions × (HELPDESK_RESET_COST − SELF_SERVICE_RESET_COST), both estimates. ' +
      '`agent`: the LLM agent’s runs in the window (tokens as the provider reported them; a failed run counts 0).',
    tags: ['Stats'],
    query: statsQuery,
    response: statsSchema,
    async handler({ query }, ctx) {
      return requestStats(ctx, query.days);
    },
  }),
];
