import type { Db } from '../db/database.js';
import { nowIso, nowMs } from '../time.js';

/** The job queue of one kind, as a scrape sees it. */
export interface QueueDepth {
  kind: string;
  /** Pending and due: waiting for a worker. */
  due: number;
  /** Held by a worker. */
  running: number;
  /** How long the oldest due job has been due; 0 when none is. */
  oldestDueAgeSeconds: number;
}

/**
 * One query per scrape, grouped by kind and status. Both branches of the OR are ranges of the
 * (status, run_at) index (jobs_due_idx), so neither database reads finished jobs or timers set
 * for later, however many there are.
 */
export async function readQueueDepth(db: Db): Promise<QueueDepth[]> {
  const now = nowIso();
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['kind', 'status', eb.fn.countAll<number | string>().as('n'), eb.fn.min('run_at').as('oldest')])
    .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', now)])]))
    .groupBy(['kind', 'status'])
    .execute();
  const byKind = new Map<string, QueueDepth>();
  const nowAt = nowMs();
  for (const row of rows) {
    const depth = byKind.get(row.kind) ?? { kind: row.kind, due: 0, running: 0, oldestDueAgeSeconds: 0 };
    byKind.set(row.kind, depth);
    if (row.status === 'running') {
      depth.running = Number(row.n);
      continue;
    }
    depth.due = Number(row.n);
    const oldest = Date.parse(String(row.oldest));
    if (Number.isFinite(oldest)) depth.oldestDueAgeSeconds = Math.max(0, (nowAt - oldest) / 1000);
  }
  return [...byKind.values()];
}
