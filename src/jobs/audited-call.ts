import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';

/** The actor name resetdesk's own automated steps carry in the Audit Log. */
export const AGENT_ACTOR = 'resetdesk';

/**
 * Runs one outside call and writes it to the Audit Log as a Tool Call event — success or
 * failure, with its duration — so the timeline shows every call that was really made.
 */
export async function auditedCall<T>(
  db: Db,
  requestId: string,
  tool: string,
  args: Record<string, unknown>,
  call: () => Promise<T>,
  summarize: (result: T) => unknown = (r) => r,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    await appendAuditEvent(db, {
      requestId,
      actor: AGENT_ACTOR,
      eventType: 'Tool Call',
      details: { tool, args, ok: true, durationMs: Math.round(performance.now() - started), result: summarize(result) ?? null },
    });
    return result;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    await appendAuditEvent(db, {
      requestId,
      actor: AGENT_ACTOR,
      eventType: 'Tool Call',
      details: { tool, args, ok: false, durationMs: Math.round(performance.now() - started), error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } },
    });
    throw err;
  }
}
