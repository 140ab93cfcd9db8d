/**
 * The request lifecycle (docs/architecture.md, "Lifecycle"): the one explicit table of
 * allowed status changes. Anything not listed here is an error.
 */
import { AppError } from '../errors/error-codes.js';
import type { RequestStatus } from './types.js';

/** Statuses in which work is still going on; any of them may be cancelled. */
export const OPEN_STATUSES = Object.freeze([
  'New',
  'Triaging',
  'Verifying',
  'Waiting',
  'Escalated',
  'PendingExternal',
] as const satisfies readonly RequestStatus[]);

/** Statuses with a settled outcome; they move to Closed once the requester has been told. */
const TERMINAL_STATUSES = Object.freeze(['Completed', 'Rejected', 'Failed', 'Cancelled'] as const satisfies readonly RequestStatus[]);

/** Allowed transitions, keyed by the current status. Closed is final: nothing leaves it. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = Object.freeze({
  New: Object.freeze(['Triaging', 'Cancelled'] as const),
  // → Verifying: the decision would send a link, unlock or ask approvers, and the requester must
  // first prove they hold an enrolled factor.
  Triaging: Object.freeze(['Verifying', 'Waiting', 'Escalated', 'PendingExternal', 'Completed', 'Rejected', 'Cancelled'] as const),
  // Proven → Triaging (the decision is taken again and applied); a rejected push or too many
  // wrong codes → Escalated (High); a push that timed out → Waiting (once), then Cancelled.
  Verifying: Object.freeze(['Triaging', 'Escalated', 'Waiting', 'Cancelled'] as const),
  // The requester's answer: → Triaging when triage asked which app; → Escalated, back to the
  // same approver group, when an approver asked. No answer in time → Cancelled.
  // → Verifying: the requester starts verification again after a push timed out.
  Waiting: Object.freeze(['Triaging', 'Verifying', 'Escalated', 'Cancelled'] as const),
  // Escalated → Waiting is an approver's "return for more information".
  Escalated: Object.freeze(['Waiting', 'Completed', 'PendingExternal', 'Rejected', 'Cancelled'] as const),
  // Only the external executor's callback (or a cancellation) ends PendingExternal.
  PendingExternal: Object.freeze(['Completed', 'Failed', 'Cancelled'] as const),
  Completed: Object.freeze(['Closed'] as const),
  Rejected: Object.freeze(['Closed'] as const),
  Failed: Object.freeze(['Closed'] as const),
  Cancelled: Object.freeze(['Closed'] as const),
  Closed: Object.freeze([] as const),
});

/** Display labels, in the words IT teams use ("Pending With External System" for an external reset). */
export const STATUS_LABELS: Readonly<Record<RequestStatus, string>> = Object.freeze({
  New: 'New',
  Triaging: 'Triaging',
  Verifying: 'Verifying',
  Waiting: 'Waiting',
  Escalated: 'Escalated',
  PendingExternal: 'Pending With External System',
  Completed: 'Completed',
  Rejected: 'Rejected',
  Failed: 'Completed With Failure',
  Cancelled: 'Cancelled',
  Closed: 'Closed',
});

/** True when the table allows moving a request from `from` to `to`. */
export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  // Own-property check: a status string from the database must not reach Object.prototype.
  if (!Object.hasOwn(TRANSITIONS, from)) return false;
  return TRANSITIONS[from].includes(to);
}

/** Throws `INVALID_TRANSITION` unless the table allows `from` → `to`. */
export function assertTransition(from: RequestStatus, to: RequestStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('INVALID_TRANSITION', `Cannot move a request from ${from} to ${to}`, {
      from,
      to,
    });
  }
}

/** True for statuses in which the request is still being worked on (and may be cancelled). */
export function isOpen(status: RequestStatus): boolean {
  return (OPEN_STATUSES as readonly RequestStatus[]).includes(status);
}

/** True for settled outcomes awaiting closure (Completed, Rejected, Failed, Cancelled); not Closed. */
export function isTerminal(status: RequestStatus): boolean {
  return (TERMINAL_STATUSES as readonly RequestStatus[]).includes(status);
}
