import { describe, expect, it } from 'vitest';
import type { Request, Verification } from '../api';
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

  it('verifying: confirm it is you, the push or a code; an unanswered push; escalated by verification', () => {
    const push = { expiresAt: '2026-01-01T00:02:00.000Z', numberChallenge: 42 };
    const verification: Verification = { level: 'auto', push, codes: [], attemptsLeft: 3, verifiedAt: null };
    expect(nextStep(request({ status: 'Verifying', verification }), POLICY)).toMatchObject({
      tone: 'question',
      headline: 'Confirm it’s you to go on',
      detail: expect.stringContaining('Okta Verify'),
    });
    const codes = { ...verification, push: null };
    expect(nextStep(request({ status: 'Verifying', verification: codes }), POLICY).detail).toContain('one-time code');
    const question = { text: 'x', reason: 'verification_timeout', candidates: [], askedBy: 'resetdesk', askedAt: '' } as const;
    expect(nextStep(request({ status: 'Waiting', question: { ...question, candidates: [] } }), POLICY).headline).toBe(
      'The notification on your phone expired',
    );
    const rationale = 'Verification rejected — possible account takeover: the Okta Verify push was denied on the phone.';
    expect(nextStep(request({ status: 'Escalated', ruleId: 'verification_rejected', rationale }), POLICY)).toMatchObject({
      headline: 'Sent to IT to confirm it’s you — usually within 24 hours',
      detail: rationale,
    });
  });
});
