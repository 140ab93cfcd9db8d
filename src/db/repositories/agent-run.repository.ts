import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

/** How a run of the LLM agent ended: a proposal, none (a question or nonsense), or a failed call. */
const AGENT_RUN_OUTCOMES = ['proposed', 'no_proposal', 'failed'] as const;
type AgentRunOutcome = (typeof AGENT_RUN_OUTCOMES)[number];

/** One run of the agent, as recorded. */
export interface AgentRun {
  id: string;
  conversationId: string;
  requestId: string | null;
  model: string;
  outcome: AgentRunOutcome;
  /** The error code of a failed run; null otherwise. */
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  rejectedCalls: number;
  createdAt: string;
}

type NewAgentRun = Omit<AgentRun, 'id' | 'createdAt' | 'requestId'> & { requestId?: string | null; createdAt?: string };

export async function insertAgentRun(db: Db, input: NewAgentRun): Promise<AgentRun> {
  const run: AgentRun = { ...input, id: newId('agr'), requestId: input.requestId ?? null, createdAt: input.createdAt ?? nowIso() };
  await db
    .insertInto('agent_runs')
    .values({
      id: run.id,
      conversation_id: run.conversationId,
      request_id: run.requestId,
      model: run.model,
      outcome: run.outcome,
      error_code: run.errorCode,
      prompt_tokens: run.promptTokens,
      completion_tokens: run.completionTokens,
      latency_ms: run.latencyMs,
      rejected_calls: run.rejectedCalls,
      created_at: run.createdAt,
    })
    .execute();
  return run;
}

/** Once a conversation files its request, the runs that read it belong to that request (those not linked yet). */
export async function linkAgentRuns(db: Db, conversationId: string, requestId: string): Promise<void> {
  await db
    .updateTable('agent_runs')
    .set({ request_id: requestId })
    .where('conversation_id', '=', conversationId)
    .where('request_id', 'is', null)
    .execute();
}

/** The runs of one request, oldest first. */
export async function listAgentRunsForRequest(db: Db, requestId: string): Promise<AgentRun[]> {
  const rows = await db
    .selectFrom('agent_runs')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    conversationId: r.conversation_id,
    requestId: r.request_id,
    model: r.model,
    outcome: r.outcome as AgentRunOutcome,
    errorCode: r.error_code,
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    latencyMs: Number(r.latency_ms),
    rejectedCalls: Number(r.rejected_calls),
    createdAt: r.created_at,
  }));
}

/** Sums over the runs since `since`. */
interface AgentRunTotals {
  runs: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  /** Distinct requests with at least one run. */
  requests: number;
}

export async function sumAgentRuns(db: Db, since: string): Promise<AgentRunTotals> {
  const row = await db
    .selectFrom('agent_runs')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('runs'),
      eb.fn.sum<number | string | null>(eb.case().when('outcome', '=', 'failed').then(1).else(0).end()).as('failed'),
      eb.fn.sum<number | string | null>('prompt_tokens').as('prompt'),
      eb.fn.sum<number | string | null>('completion_tokens').as('completion'),
      eb.fn.count<number | string>('request_id').distinct().as('requests'),
    ])
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return {
    runs: Number(row.runs),
    failed: Number(row.failed ?? 0),
    promptTokens: Number(row.prompt ?? 0),
    completionTokens: Number(row.completion ?? 0),
    requests: Number(row.requests),
  };
}

/**
 * The `index`-th and next latency (0-based, ascending) of the runs since `since`: ORDER BY with
 * OFFSET works alike on SQLite and PostgreSQL (SQLite has no percentile_cont), and the
 * (created_at, latency_ms) index serves it without reading every run into the process.
 */
export async function agentLatencyAt(db: Db, since: string, index: number): Promise<number[]> {
  const rows = await db
    .selectFrom('agent_runs')
    .select('latency_ms')
    .where('created_at', '>=', since)
    .orderBy('latency_ms')
    .limit(2)
    .offset(index)
    .execute();
  return rows.map((r) => Number(r.latency_ms));
}

/**
 * The agent's proposals set beside the policy's decisions (services/agent-audit.ts), for the
 * requests with a run since `since`: the comparison lives in the audit log, the one record of it
 * (`actor`: the agent's actor name there).
 */
export async function countAgentComparisons(db: Db, since: string, actor: string): Promise<{ agreements: number; disagreements: number }> {
  const rows = await db
    .selectFrom('audit_events')
    .select('details_json')
    .where('actor', '=', actor)
    .where('request_id', 'in', (qb) =>
      qb
        .selectFrom('agent_runs')
        .select('request_id')
        .where('created_at', '>=', since)
        .where('request_id', 'is not', null)
        .$narrowType<{ request_id: string }>(),
    )
    .execute();
  let agreements = 0;
  let disagreements = 0;
  for (const row of rows) {
    const kind = (JSON.parse(row.details_json) as { kind?: unknown }).kind;
    if (kind === 'agent_agreement') agreements++;
    else if (kind === 'agent_disagreement') disagreements++;
  }
  return { agreements, disagreements };
}
