import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';

/** The actor name resetdesk's own automated steps carry in the Audit Log. */
export const AGENT_ACTOR = 'resetdesk';

/**
 * Records outside calls of one request as Tool Call events — success or failure, with duration.
 * Each event's insert starts as soon as the call returns but is not awaited there, so the next
 * Okta round trip does not wait for the database; `flush()` must be awaited before anything
 * that depends on the log being complete (the decision's commit). Event ids are taken when the
 * insert starts, so the log keeps call order.
 */
export function toolCallLog(db: Db, requestId: string) {
  const writes: Promise<unknown>[] = [];
  const record = (details: Record<string, unknown>) => {
    writes.push(appendAuditEvent(db, { requestId, actor: AGENT_ACTOR, eventType: 'Tool Call', details }));
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
    /** Waits for every event written so far; throws if any insert failed. */
    async flush(): Promise<void> {
      await Promise.all(writes.splice(0));
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
