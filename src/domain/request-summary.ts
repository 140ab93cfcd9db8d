/**
 * The seed-001 summary of a request: `{ request_id, status, decision, rationale, next_owner,
 * actions_taken }`. Pure: built from the request and its audit events as stored. The API shows it
 * (`summary` in a request's view) and the Closure audit event carries it, so the log's last
 * word on a request is the same summary the API gives.
 */
import type { AuditEventType, RequestStatus } from './types.js';

/** The parts of a request the summary reads. */
interface SummaryRequest {
  id: string;
  status: RequestStatus;
  /** The request's verdict (seed-001 words: Approved, Rejected, Escalated, Cancelled). */
  decision: string | null;
  rationale: string | null;
  nextOwner: string | null;
}

/** The parts of an audit event the summary reads. */
interface SummaryEvent {
  actor: string;
  eventType: AuditEventType;
  details: Record<string, unknown>;
}

interface Seed001Summary {
  request_id: string;
  status: RequestStatus;
  decision: string | null;
  rationale: string | null;
  next_owner: string | null;
  actions_taken: string[];
}

/** What was done for the request, one line per Okta call, email and hand-over, in log order. */
export function toSeed001(request: SummaryRequest, events: readonly SummaryEvent[]): Seed001Summary {
  const actions = events.flatMap((e) => {
    if (e.eventType === 'Tool Call') return [`${String(e.details.tool)}${e.details.ok === false ? ' (failed)' : ''}`];
    if (e.eventType === 'Message' && e.details.channel === 'email')
      return [`email: ${String(e.details.template)} to ${String(e.details.to)}`];
    if (e.eventType === 'Approval' || e.eventType === 'Rejection' || e.eventType === 'Escalation' || e.eventType === 'Closure') {
      return [`${e.eventType.toLowerCase()} by ${e.actor}`];
    }
    return [];
  });
  return {
    request_id: request.id,
    status: request.status,
    decision: request.decision,
    rationale: request.rationale,
    next_owner: request.nextOwner,
    actions_taken: actions,
  };
}
