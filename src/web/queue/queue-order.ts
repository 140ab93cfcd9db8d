import type { Priority, Request } from '../api';

const RANK: Record<Priority, number> = { High: 0, Medium: 1, Low: 2 };

/** Past this many hours an escalation is overdue (the default policy's escalation SLA). */
export const OVERDUE_HOURS = 24;

/** Escalated requests still waiting for a person: an approved Okta reset stays Escalated until done. */
export function awaitingDecision(requests: readonly Request[]): Request[] {
  return requests.filter((r) => r.status === 'Escalated' && r.manualDecision === null);
}

/** High priority first, then the longest waiting. */
export function sortForReview(requests: readonly Request[]): Request[] {
  return [...requests].sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.createdAt.localeCompare(b.createdAt));
}

/** How many requests wait at each priority. */
export function countByPriority(requests: readonly Request[]): Record<Priority, number> {
  const counts: Record<Priority, number> = { High: 0, Medium: 0, Low: 0 };
  for (const r of requests) counts[r.priority] += 1;
  return counts;
}
