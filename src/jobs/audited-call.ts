import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { nowIso } from '../time.js';

/** The actor name resetdesk's own automated steps carry in the Audit Log. */
export const AGENT_ACTOR = 'resetdesk';

/**
 * Records outside calls of one request as Tool Call events — success or failure, with duration.
 * The events are kept in memory until `flush()`, which must be awaited before anything that
 * depends on the log being complete (the decision's commit) and after a failed call: flushing
 * them together makes them one batch — one transaction and one chain-lock turn for all of a
 * triage's calls instead of one each, which was most of a decision's database work (see
 * appendAuditEvent). Event ids and times are taken when the call ends, so the log keeps call order.
 */
export function toolCallLog(db: Db, requestId: string) {
  const recorded: { details: Record<string, unknown>; at: string }[] = [];
  const record = (details: Record<string, unknown>) => {
    recorded.push({ details, at: nowIso() });
  };
  return {
    async call<T>(
      tool: string,
      args: Record<string, unknown>,
      call: () => Promise<T>,
      summarize: (result: T) => unknown = (r) => r,
    ): Promise<T> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const result = await call();
        record({ tool, args, ok: true, durationMs: elapsed(), result: summarize(result) ?? null });
        return result;
      } catch (err) {
        const e = err as { code?: string; message?: string };
        record({ tool, args, ok: false, durationMs: elapsed(), error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } });
        throw err;
      }
    },
    /**
     * Writes every event recorded so far (as one batch); throws if the insert failed. `into`: a
     * transaction to write them in (the decision's), instead of one of their own.
     */
    async flush(into: Db = db): Promise<void> {
      const events = recorded.splice(0);
      await Promise.all(
        events.map(({ details, at }) =>
          appendAuditEvent(into, { requestId, actor: AGENT_ACTOR, eventType: 'Tool Call', details, createdAt: at }),
        ),
      );
    },
  };
}

export type ToolCallLog = ReturnType<typeof toolCallLog>;

/** One call, recorded and flushed before returning (for jobs that make a single call). */
export async function auditedCall<T>(
  db: Db,
  requestId: string,
  tool: string,
  args: Record<string, unknown>,
  call: () => Promise<T>,
  summarize?: (result: T) => unknown,
): Promise<T> {
  const log = toolCallLog(db, requestId);
  try {
    return await log.call(tool, args, call, summarize);
  } finally {
    await log.flush();
  }
}
