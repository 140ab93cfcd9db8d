import type { Priority, Request, RequestStatus } from '../api';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

const STATUS_COLORS: Record<RequestStatus, string> = {
  New: 'blue',
  Triaging: 'blue',
  // The requester has to confirm it is them (an Okta Verify push or a code), like the card that asks.
  Verifying: 'indigo',
  Waiting: 'blue',
  Escalated: 'orange',
  PendingExternal: 'violet',
  Completed: 'green',
  Rejected: 'red',
  Failed: 'red',
  Cancelled: 'gray',
  Closed: 'gray',
};

/** Every status, in lifecycle order (for filters). */
export const STATUSES: readonly RequestStatus[] = Object.keys(STATUS_COLORS) as RequestStatus[];

/** Statuses in which resetdesk is still working on the request by itself. */
const IN_TRIAGE: readonly RequestStatus[] = ['New', 'Triaging', 'Waiting'];

/** Where the request really stands: a Closed request's resolution, else its status. */
export function effectiveStatus(request: Pick<Request, 'status' | 'resolution'>): RequestStatus {
  return request.status === 'Closed' && request.resolution ? request.resolution : request.status;
}

/** A status in the reader's language. */
export function statusText(status: RequestStatus): string {
  return t(`status.${status}` satisfies MessageKey);
}

/** The words of a request's status: "Closed · Completed" for a closed one. */
export function requestStatusText(request: Pick<Request, 'status' | 'resolution'>): string {
  if (request.status === 'Closed' && request.resolution) return t('status.closedAs', { resolution: statusText(request.resolution) });
  return statusText(request.status);
}

export function statusColor(request: Pick<Request, 'status' | 'resolution'>): string {
  return STATUS_COLORS[effectiveStatus(request)];
}

/** True while triage has not finished. */
export function isInTriage(status: RequestStatus): boolean {
  return IN_TRIAGE.includes(status);
}

export const PRIORITY_COLORS: Record<Priority, string> = { High: 'red', Medium: 'orange', Low: 'gray' };

/** A priority in the reader's language. */
export function priorityText(priority: Priority): string {
  return t(`priority.${priority}` satisfies MessageKey);
}
