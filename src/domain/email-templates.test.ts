import { describe, expect, it } from 'vitest';
import { ALL_EMAIL_TEMPLATES, type EmailContext, type EmailTemplate, renderEmail } from './email-templates.js';

const HOSTILE = '<script>alert("x")</script>';

const context: EmailContext = {
  requestId: 'req_123',
  app: `Pay${HOSTILE}roll`,
  requester: 'alice@example.com',
  rationale: 'Payroll has no reset link in the catalog.',
  resetUrl: 'https://payroll.example.com/reset?a=1&b=2',
  comment: `ok ${HOSTILE}`,
  statusUrl: 'https://resetdesk.example.com/api/v1/requests/req_123',
  requestUrl: 'https://resetdesk.example.com/requests/req_123',
  question: `Which app? ${HOSTILE}`,
  candidates: ['Payroll', `Pay${HOSTILE}`],
  waitingHours: 72,
  reason: 'No answer within 72 hours.',
  justification: `I am locked out ${HOSTILE}`,
  targetUser: null,
  priority: 'High',
  ruleId: 'swa_no_reset_url',
  notice: { group: 'IT Approvers', audience: 'approvers', approverGroup: 'IT Approvers', waitedHours: 24 },
};

describe('email templates', () => {
  it.each(ALL_EMAIL_TEMPLATES)('%s renders a subject, a text part and an HTML part from one definition', (template) => {
    const email = renderEmail(template, context);
    expect(email.subject).not.toBe('');
    expect(email.text).toMatch(/^Hello,\n\n/);
    expect(email.text).toContain('req_123');
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain('<p>Hello,</p>');
    expect(email.html).toContain('req_123');
    // Every value is escaped in HTML: no markup from an app name, a justification, a comment, a question.
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
    // The same words in both parts: every text paragraph's first line appears, escaped, in the HTML.
    for (const paragraph of email.text.split('\n\n').slice(1)) {
      const first = paragraph.split('\n')[0]!.replace(/^[->] /, '');
      const [label] = first.split(': ');
      expect(email.html, `${template}: ${first}`).toContain(
        label!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
      );
    }
  });

  it('keeps the existing subjects', () => {
    const c = { ...context, app: 'Payroll' };
    const subjects: Partial<Record<EmailTemplate, string>> = {
      reset_link: 'Payroll password reset',
      escalated: 'Payroll password reset: waiting for approval',
      denied: 'Payroll password reset: declined',
      okta_reset_sent: 'Payroll password reset: approved',
      approved_manual: 'Payroll password reset: approved',
      rejected_by_approver: 'Payroll password reset: declined by an approver',
      pending_external: 'Payroll password reset: in progress',
      reset_failed: 'Payroll password reset: could not be completed',
      reset_failed_approver: 'Payroll password reset for alice@example.com: could not be completed',
    };
    for (const [template, subject] of Object.entries(subjects)) expect(renderEmail(template as EmailTemplate, c).subject).toBe(subject);
  });

  it('keeps the wording the requester emails had (seed 000: the reset link right after its sentence)', () => {
    const c = { ...context, app: 'Expensify', resetUrl: 'https://expensify.example.com/reset' };
    expect(renderEmail('reset_link', c).text).toContain(
      'Please find the link to reset your Expensify account below:\nhttps://expensify.example.com/reset\n\nRequest: req_123',
    );
    expect(renderEmail('escalated', c).text).toContain('before anything is reset.\nReason: Payroll has no reset link in the catalog.');
    // An approval without an automatic path must not claim a link or an Okta email.
    expect(renderEmail('approved_manual', { ...c, resetUrl: null }).text).not.toMatch(/link|Okta has sent/);
  });

  it('links only web addresses in HTML', () => {
    const html = renderEmail('reset_link', { ...context, resetUrl: 'javascript:alert(1)' }).html;
    expect(html).not.toContain('<a ');
    expect(renderEmail('reset_link', context).html).toContain('<a href="https://payroll.example.com/reset?a=1&amp;b=2">');
  });

  it('question: shows the question, the candidates, how to answer and when it is cancelled', () => {
    const { subject, text, html } = renderEmail('question', context);
    expect(subject).toContain('we need more details');
    expect(text).toContain(`Question: Which app? ${HOSTILE}`);
    expect(text).toContain('Did you mean one of these apps?\n\n- Payroll\n- Pay');
    expect(text).toContain('https://resetdesk.example.com/requests/req_123');
    expect(text).toContain('POST /api/v1/requests/req_123/reply');
    expect(text).toContain('within 72 hours, the request is cancelled');
    expect(html).toContain('<li>Payroll</li>');
    // No candidates, no list.
    expect(renderEmail('question', { ...context, candidates: [] }).text).not.toContain('Did you mean');
  });

  it('cancelled: says why', () => {
    const { subject, text } = renderEmail('cancelled', { ...context, app: 'Payroll' });
    expect(subject).toBe('Payroll password reset: cancelled');
    expect(text).toContain('Reason: No answer within 72 hours.');
  });

  it("approver notices carry the facts, the requester's own words marked as such, and the web app's link", () => {
    const c = { ...context, app: 'Payroll', targetUser: 'bob@example.com' };
    const notice = renderEmail('approver_escalated', c);
    expect(notice.subject).toBe('Payroll password reset for alice@example.com: approval needed');
    for (const line of [
      'Requester: alice@example.com',
      'Account to reset: bob@example.com',
      'App: Payroll',
      'Priority: High',
      'Rule: swa_no_reset_url',
      'Why it needs a human: Payroll has no reset link in the catalog.',
      "Justification (the requester's own words, not verified by resetdesk):\n> I am locked out",
      'https://resetdesk.example.com/requests/req_123',
    ]) {
      expect(notice.text).toContain(line);
    }
    expect(notice.html).toContain('<blockquote>I am locked out &lt;script&gt;');
    // Without PUBLIC_URL there is no link, but the request is named.
    expect(renderEmail('approver_escalated', { ...c, requestUrl: null }).text).toContain('Request: req_123');

    const reminder = renderEmail('approver_reminder', c);
    expect(reminder.subject).toBe('Reminder: Payroll password reset for alice@example.com is still waiting');
    expect(reminder.text).toContain('waited for 24 hours');
    const backup = renderEmail('approver_reminder', {
      ...c,
      notice: { group: 'Backup', audience: 'backup', approverGroup: 'IT Approvers', waitedHours: 48 },
    });
    expect(backup.subject).toBe('Escalated to Backup: Payroll password reset for alice@example.com is still waiting');
    expect(backup.text).toContain('without a decision by IT Approvers, so it is escalated to the backup group Backup');
  });
});
