import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import {
  type AgentRun,
  agentLatencyAt,
  countAgentComparisons,
  listAgentRunsForRequest,
  sumAgentRuns,
} from '../db/repositories/agent-run.repository.js';
import {
  countAutomaticResolutions,
  countDenialsByRule,
  countOpenEscalationsByAge,
  countRequestsByDayAndOutcome,
  countTopApps,
  ESCALATION_AGE_BUCKETS,
  type EscalationAgeBucket,
  listResolutionTimes,
  STAT_OUTCOMES,
  type StatOutcome,
} from '../db/repositories/stats.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { AGENT_MODEL_ACTOR } from './agent-audit.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOP_APPS = 10;

/** One day of the window: requests filed that day, by outcome. */
type DayCounts = { date: string } & Record<StatOutcome, number>;

/** The dashboard's figures over the last `days` days (today, UTC, included). */
export interface RequestStats {
  days: number;
  /** Start of the window: midnight UTC, `days - 1` days before today. */
  since: string;
  requests: number;
  /** Resolved by the policy alone: no human decision, ended Completed or Rejected. */
  automatic: number;
  /** automatic / requests; 0 without requests. */
  automaticShare: number;
  /** Seconds from filing to resolution of the finished (Completed or Rejected) requests; null without any. */
  timeToResolution: { resolved: number; medianSeconds: number | null; p90Seconds: number | null };
  perDay: DayCounts[];
  /** Requests waiting for an approver now (whenever filed), by how long they have waited. */
  openEscalations: { bucket: EscalationAgeBucket; count: number }[];
  topApps: { app: string; count: number }[];
  denialsByRule: { ruleId: string | null; count: number }[];
  /** automatic × (help-desk cost − self-service cost) per reset, in the configured currency unit. */
  costAvoided: { amount: number; helpDeskResetCost: number; selfServiceResetCost: number };
  /** The LLM agent's runs in the window (by when they ran); all zeros and nulls without any. */
  agent: AgentStats;
}

/** What the LLM agent cost and how it did over the window. */
interface AgentStats {
  runs: number;
  /** Runs whose model call failed (unavailable, an error answer); the chat went on without the agent. */
  failedRuns: number;
  promptTokens: number;
  completionTokens: number;
  /** Latency of the runs, failed ones included; null without runs. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Requests filed from a conversation the agent read. */
  requests: number;
  /** The policy's decisions on those requests that matched, or differed from, the agent's proposal. */
  agreements: number;
  disagreements: number;
}

/** The dashboard's figures, counted by the database; only the percentiles are computed here. */
export async function requestStats(ctx: AppContext, days: number, now: Date = new Date()): Promise<RequestStats> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - (days - 1) * DAY).toISOString();
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const [byDay, automatic, times, escalations, topApps, denialsByRule, agent] = await Promise.all([
    countRequestsByDayAndOutcome(ctx.db, since),
    countAutomaticResolutions(ctx.db, since),
    listResolutionTimes(ctx.db, since),
    countOpenEscalationsByAge(ctx.db, { h4: ago(4 * HOUR), h24: ago(DAY), d3: ago(3 * DAY) }),
    countTopApps(ctx.db, since, TOP_APPS),
    countDenialsByRule(ctx.db, since),
    agentStats(ctx.db, since),
  ]);

  const perDay: DayCounts[] = Array.from({ length: days }, (_, i) => ({
    date: new Date(today - (days - 1 - i) * DAY).toISOString().slice(0, 10),
    ...(Object.fromEntries(STAT_OUTCOMES.map((o) => [o, 0])) as Record<StatOutcome, number>),
  }));
  const byDate = new Map(perDay.map((d) => [d.date, d]));
  for (const row of byDay) {
    const day = byDate.get(row.day);
    if (day) day[row.outcome] += row.count;
  }
  const requests = byDay.reduce((sum, r) => sum + r.count, 0);

  const seconds = times.map((r) => (Date.parse(r.resolvedAt) - Date.parse(r.createdAt)) / 1000).sort((a, b) => a - b);
  const { helpDeskResetCost, selfServiceResetCost } = ctx.config.costs;
  return {
    days,
    since,
    requests,
    automatic,
    automaticShare: requests === 0 ? 0 : automatic / requests,
    timeToResolution: { resolved: seconds.length, medianSeconds: percentile(seconds, 0.5), p90Seconds: percentile(seconds, 0.9) },
    perDay,
    openEscalations: ESCALATION_AGE_BUCKETS.map((bucket) => ({
      bucket,
      count: escalations.find((e) => e.bucket === bucket)?.count ?? 0,
    })),
    topApps,
    denialsByRule,
    costAvoided: { amount: automatic * (helpDeskResetCost - selfServiceResetCost), helpDeskResetCost, selfServiceResetCost },
    agent,
  };
}

/** The agent's figures: sums by the database, each percentile from the one or two runs around its rank. */
async function agentStats(db: Db, since: string): Promise<AgentStats> {
  const [totals, comparisons] = await Promise.all([sumAgentRuns(db, since), countAgentComparisons(db, since, AGENT_MODEL_ACTOR)]);
  const latency = async (p: number): Promise<number | null> => {
    if (totals.runs === 0) return null;
    const position = (totals.runs - 1) * p;
    const [low = 0, high = low] = await agentLatencyAt(db, since, Math.floor(position));
    // Linear between the closest ranks, as percentile() below; whole milliseconds.
    return Math.round(low + (high - low) * (position - Math.floor(position)));
  };
  const [latencyP50Ms, latencyP95Ms] = await Promise.all([latency(0.5), latency(0.95)]);
  return {
    runs: totals.runs,
    failedRuns: totals.failed,
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    latencyP50Ms,
    latencyP95Ms,
    requests: totals.requests,
    agreements: comparisons.agreements,
    disagreements: comparisons.disagreements,
  };
}

/** The p-quantile of sorted values, interpolating linearly between the closest ranks; null when empty. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? 0;
  const high = sorted[upper] ?? low;
  return low + (high - low) * (position - lower);
}

/**
 * The agent's runs for a request, for those who review it (approvers, admins); none for anyone
 * else: what the model cost is the operators' business. The caller has checked the request is visible.
 */
export async function reviewAgentRuns(ctx: AppContext, principal: Principal, requestId: string): Promise<AgentRun[]> {
  if (principal.role !== 'approver' && principal.role !== 'admin') return [];
  return listAgentRunsForRequest(ctx.db, requestId);
}
