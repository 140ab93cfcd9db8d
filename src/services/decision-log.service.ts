import type { AppContext } from '../app-context.js';
import { type DecisionLogEntry, listRecentDecisions } from '../db/repositories/decision.repository.js';
import type { DecisionSource } from '../domain/decision.js';
import type { Outcome } from '../domain/types.js';

/** One decision log entry as admins read it: flat, the same columns as the CSV export. */
export interface DecisionRow {
  requestId: string;
  date: string;
  source: DecisionSource;
  outcome: Outcome;
  ruleId: string | null;
  app: string;
  requester: string;
  rationale: string;
  decidedBy: string;
}

const CSV_COLUMNS: (keyof DecisionRow)[] = [
  'requestId',
  'date',
  'source',
  'outcome',
  'ruleId',
  'app',
  'requester',
  'rationale',
  'decidedBy',
];

function toRow(e: DecisionLogEntry): DecisionRow {
  const d = e.decision;
  const extra = e.decision as { ruleId?: unknown; decidedBy?: unknown };
  return {
    requestId: e.requestId,
    date: e.date,
    source: e.source,
    outcome: d.outcome,
    ruleId: typeof extra.ruleId === 'string' ? extra.ruleId : null,
    app: d.app ?? d.requestApp,
    requester: d.requestUser,
    rationale: d.rationale,
    decidedBy: typeof extra.decidedBy === 'string' ? extra.decidedBy : 'resetdesk',
  };
}

/** The decision log, newest first. */
export async function listDecisionLog(ctx: AppContext, page: { limit: number; offset: number }): Promise<DecisionRow[]> {
  return (await listRecentDecisions(ctx.db, page)).map(toRow);
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string | null): string {
  const v = value ?? '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The whole decision log as CSV, newest first, with a header row. */
export async function exportDecisionLogCsv(ctx: AppContext): Promise<string> {
  const rows = (await listRecentDecisions(ctx.db, { limit: null, offset: 0 })).map(toRow);
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
