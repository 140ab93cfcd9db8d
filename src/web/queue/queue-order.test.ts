import { describe, expect, it } from 'vitest';
import type { Request } from '../api';
import { awaitingDecision, countByPriority, sortForReview } from './queue-order';

const request = (id: string, priority: Request['priority'], createdAt: string, extra: Partial<Request> = {}) =>
  ({ request_id: id, priority, createdAt, status: 'Escalated', manualDecision: null, ...extra }) as Request;

describe('review queue order', () => {
  const queue = [
    request('a', 'Low', '2026-01-01T08:00:00.000Z'),
    request('b', 'High', '2026-01-02T08:00:00.000Z'),
    request('c', 'Medium', '2026-01-01T09:00:00.000Z'),
    request('d', 'High', '2026-01-01T10:00:00.000Z'),
  ];

  it('puts High first, then the oldest', () => {
    expect(sortForReview(queue).map((r) => r.request_id)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('counts by priority', () => {
    expect(countByPriority(queue)).toEqual({ High: 2, Medium: 1, Low: 1 });
  });

  it('leaves out approved Okta resets still running', () => {
    const approved = request('e', 'High', '2026-01-01T07:00:00.000Z', { manualDecision: 'Approved' });
    expect(awaitingDecision([...queue, approved]).map((r) => r.request_id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
