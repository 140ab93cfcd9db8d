import { describe, expect, it } from 'vitest';
import type { Request } from '../api';
import { mergeRequestRead } from './request-merge';

const at = (iso: string, fields: Partial<Request> = {}) => ({ id: 'req_1', status: 'Triaging', updatedAt: iso, ...fields }) as Request;

describe('mergeRequestRead', () => {
  it('takes the read when nothing newer is cached', () => {
    const read = at('2026-11-24T10:00:01.000Z', { status: 'Escalated' });
    expect(mergeRequestRead(undefined, read)).toBe(read);
    expect(mergeRequestRead(at('2026-11-24T10:00:00.000Z'), read)).toBe(read);
    // Same time: the read, which carries the summary too.
    expect(mergeRequestRead(at('2026-11-24T10:00:01.000Z', { status: 'Escalated' }), read)).toBe(read);
  });

  it('keeps a newer state the stream wrote while the read was under way, with the read’s own fields', () => {
    const streamed = at('2026-11-24T10:00:02.000Z', { status: 'Escalated', ruleId: 'sso_requires_approval' });
    const summary = {
      request_id: 'req_1',
      status: 'Triaging',
      decision: null,
      rationale: null,
      actions_taken: [],
      next_owner: null,
    } as const;
    const read = at('2026-11-24T10:00:00.000Z', { status: 'Triaging', summary: { ...summary, actions_taken: [] } });
    expect(mergeRequestRead(streamed, read)).toMatchObject({
      status: 'Escalated',
      ruleId: 'sso_requires_approval',
      updatedAt: '2026-11-24T10:00:02.000Z',
      summary,
    });
  });
});
