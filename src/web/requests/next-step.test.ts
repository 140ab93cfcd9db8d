import { describe, expect, it } from 'vitest';
import type { Request } from '../api';
import { nextStep } from './next-step';

const POLICY = { approvalSlaHours: 24, answerWithinHours: 72 };
const request = (extra: Partial<Request>) =>
  ({ app: 'Jira Cloud', status: 'New', resolution: null, rationale: null, manualDecision: null, question: null, ...extra }) as Request;

describe('next step texts', () => {
  it('an escalated request names the approval SLA', () => {
    expect(nextStep(request({ status: 'Escalated' }), POLICY).headline).toBe('Waiting for IT approval — usually within 24 hours');
  });

  it('a waiting request asks for the answer, and says when it is cancelled', () => {
    const question = {
      text: 'Did you mean?',
      reason: 'app_ambiguous',
      candidates: ['Jira Cloud'],
      askedBy: 'resetdesk',
      askedAt: '',
    } as const;
    const step = nextStep(request({ status: 'Waiting', question: { ...question, candidates: [...question.candidates] } }), POLICY);
    expect(step).toMatchObject({ tone: 'question', headline: 'Answer the question below so we can go on' });
    expect(step.detail).toContain('72 hours');
  });

  it('a cancelled (and closed) request says so, with why', () => {
    const rationale = 'Cancelled by the requester: I remembered it';
    expect(nextStep(request({ status: 'Closed', resolution: 'Cancelled', rationale }), POLICY)).toMatchObject({
      headline: 'Cancelled',
      detail: rationale,
    });
  });
});
