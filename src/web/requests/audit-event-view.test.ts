import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api';
import { auditEventView } from './audit-event-view';

const event = (eventType: AuditEvent['eventType'], actor: string, details: Record<string, unknown>) =>
  ({ eventId: 'e1', requestId: 'r1', actor, eventType, details, createdAt: '2026-01-01T00:00:00.000Z' }) as AuditEvent;

describe('timeline entries of the lifecycle', () => {
  it('a question: resetdesk asking which app, or an approver asking for more', () => {
    const app = auditEventView(
      event('Message', 'resetdesk', {
        kind: 'question',
        reason: 'app_ambiguous',
        question: 'Did you mean?',
        candidates: ['Jira Cloud', 'Jira Server'],
      }),
    );
    expect(app).toMatchObject({
      title: 'resetdesk asked which app was meant',
      text: 'Did you mean?',
      meta: ['Offered: Jira Cloud, Jira Server'],
    });
    const returned = auditEventView(
      event('Message', 'irene@example.com', { kind: 'question', reason: 'returned', question: 'Why?', candidates: [] }),
    );
    expect(returned).toMatchObject({ title: 'irene@example.com asked for more information', text: 'Why?', meta: [] });
  });

  it('an answer, a cancellation, a duplicate and a cooldown refusal', () => {
    expect(auditEventView(event('Message', 'alice@example.com', { kind: 'answer', app: 'Jira Cloud' }))).toMatchObject({
      title: 'alice@example.com answered',
      text: 'Chose Jira Cloud',
    });
    expect(
      auditEventView(event('Message', 'alice@example.com', { kind: 'cancel', by: 'resetdesk', reason: 'no answer within 72 hours' })),
    ).toMatchObject({
      title: 'Cancelled by resetdesk',
      text: 'no answer within 72 hours',
    });
    expect(auditEventView(event('Message', 'alice@example.com', { kind: 'duplicate', channel: 'api' })).title).toBe(
      'alice@example.com asked again',
    );
    expect(
      auditEventView(
        event('Rejection', 'alice@example.com', { kind: 'cooldown', submittedBy: 'alice@example.com', maxResets: 3, perHours: 24 }),
      ),
    ).toMatchObject({
      title: 'Another reset refused for alice@example.com: cooldown',
      text: 'The policy allows 3 resets within 24 hours.',
    });
  });

  it('emails name their template', () => {
    const view = auditEventView(
      event('Message', 'resetdesk', {
        channel: 'email',
        template: 'approver_reminder',
        to: 'irene@example.com',
        subject: 'Reminder',
        group: 'IT Approvers',
      }),
    );
    expect(view).toMatchObject({
      title: 'Email to irene@example.com',
      text: 'Reminder',
      meta: ['Reminder to approvers', 'as a member of IT Approvers'],
    });
  });
});

describe('timeline entries of verifying the requester', () => {
  it('started (a push with its number, codes on offer), a wrong code, verified', () => {
    expect(
      auditEventView(
        event('Message', 'resetdesk', {
          kind: 'verification',
          step: 'started',
          level: 'any_factor',
          push: true,
          numberChallenge: 42,
          codeFactors: ['sms', 'email'],
        }),
      ),
    ).toMatchObject({
      title: 'resetdesk asked the requester to confirm it’s them',
      meta: ['level any_factor', 'Okta Verify push sent (number 42)', 'codes accepted: SMS code, email code'],
    });
    expect(
      auditEventView(event('Message', 'bob@example.com', { kind: 'verification', step: 'wrong_code', factorType: 'sms', failures: 2 })),
    ).toMatchObject({ title: 'bob@example.com typed a wrong code', meta: ['SMS code', 'wrong codes so far: 2'] });
    expect(
      auditEventView(event('Message', 'alice@example.com', { kind: 'verification', step: 'verified', factorType: 'push' })),
    ).toMatchObject({ title: 'alice@example.com confirmed it’s them', meta: ['with Okta Verify push'] });
  });

  it('an unanswered push is resetdesk’s question, not an approver’s', () => {
    const view = auditEventView(
      event('Message', 'resetdesk', { kind: 'question', reason: 'verification_timeout', question: 'Not answered.', candidates: [] }),
    );
    expect(view).toMatchObject({ title: 'The Okta Verify push was not answered in time', text: 'Not answered.' });
  });
});
