import { describe, expect, it } from 'vitest';
import { type ApprovalFacts, type ApproverVerdict, humanDecision, unlockingFirst } from './human-decision.js';

const APPROVE: ApproverVerdict = { outcome: 'Approved', approver: 'irene@example.com', comment: 'verified by phone' };
const facts = (f: Partial<ApprovalFacts>): ApprovalFacts => ({ resetMethod: null, resetUrl: null, rationale: 'Needs approval.', ...f });

describe('humanDecision', () => {
  it('approving an Okta reset runs the reset job and leaves the request Escalated until it completes', () => {
    expect(humanDecision(APPROVE, facts({ resetMethod: 'okta_reset', resetUrl: 'https://x' }))).toMatchObject({
      source: 'human',
      outcome: 'Approved',
      decidedBy: 'irene@example.com',
      nextStatus: null,
      requestRationale: null,
      actions: [{ type: 'okta_reset' }],
    });
  });

  it('approving an SWA app with a reset URL completes it and emails the link', () => {
    expect(humanDecision(APPROVE, facts({ resetMethod: 'swa_link', resetUrl: 'https://x/reset' }))).toMatchObject({
      nextStatus: 'Completed',
      actions: [{ type: 'send_reset_link', url: 'https://x/reset' }],
    });
  });

  it('approving an external reset waits as PendingExternal', () => {
    expect(humanDecision(APPROVE, facts({ resetMethod: 'external' }))).toMatchObject({
      nextStatus: 'PendingExternal',
      actions: [{ type: 'notify_requester', notice: 'pending_external' }],
    });
  });

  it("approving an external reset on a store hands it to the store's executor", () => {
    expect(humanDecision(APPROVE, facts({ resetMethod: 'external', store: 'mainframe' }))).toMatchObject({
      nextStatus: 'PendingExternal',
      actions: [
        { type: 'external_dispatch', store: 'mainframe' },
        { type: 'notify_requester', notice: 'pending_external' },
      ],
    });
  });

  it('approving a directory reset runs the reset job and leaves the request Escalated until it completes', () => {
    expect(humanDecision(APPROVE, facts({ resetMethod: 'directory', store: 'corp-ldap' }))).toMatchObject({
      nextStatus: null,
      actions: [{ type: 'directory_reset', store: 'corp-ldap' }],
    });
  });

  it.each([
    ['an SWA app without a reset URL', 'swa_link'],
    ['no known reset method', null],
  ])('approving %s: the approver resets it by hand, and says so', (_, resetMethod) => {
    const d = humanDecision(APPROVE, facts({ resetMethod }));
    expect(d).toMatchObject({
      nextStatus: 'Completed',
      requestRationale: 'Needs approval. Approved by irene@example.com, who resets it by hand.',
      actions: [{ type: 'notify_requester', notice: 'approved_manual', comment: 'verified by phone' }],
    });
  });

  it('denying rejects and tells the requester, with the comment', () => {
    const d = humanDecision({ ...APPROVE, outcome: 'Denied', comment: null }, facts({ resetMethod: 'okta_reset' }));
    expect(d).toEqual({
      source: 'human',
      outcome: 'Denied',
      decidedBy: 'irene@example.com',
      comment: null,
      rationale: 'Denied by irene@example.com.',
      nextStatus: 'Rejected',
      requestRationale: null,
      actions: [{ type: 'notify_requester', notice: 'rejected_by_approver', comment: null }],
    });
  });

  it('the decision log rationale names the approver and quotes the comment', () => {
    expect(humanDecision(APPROVE, facts({})).rationale).toBe('Approved by irene@example.com: verified by phone');
  });
});

describe('humanDecision: a locked-out account', () => {
  const swa = facts({ resetMethod: 'swa_link', resetUrl: 'https://x/reset' });

  it('approving a reset link for a LOCKED_OUT account unlocks it first and stays Escalated until the unlock job completes it', () => {
    expect(humanDecision(APPROVE, { ...swa, userStatus: 'LOCKED_OUT' })).toMatchObject({
      outcome: 'Approved',
      nextStatus: null,
      actions: [{ type: 'okta_unlock' }, { type: 'send_reset_link', url: 'https://x/reset' }],
    });
  });

  it('changes nothing for another status, an unknown one, a denial, or an approval without a link', () => {
    for (const userStatus of ['ACTIVE', null, undefined]) {
      expect(humanDecision(APPROVE, { ...swa, userStatus }).actions).toEqual([{ type: 'send_reset_link', url: 'https://x/reset' }]);
    }
    const locked = { userStatus: 'LOCKED_OUT' };
    expect(humanDecision({ ...APPROVE, outcome: 'Denied' }, { ...swa, ...locked }).nextStatus).toBe('Rejected');
    expect(humanDecision(APPROVE, facts({ resetMethod: 'okta_reset', ...locked })).actions).toEqual([{ type: 'okta_reset' }]);
    expect(humanDecision(APPROVE, facts({ resetMethod: 'swa_link', ...locked })).actions[0]).toMatchObject({ notice: 'approved_manual' });
  });

  it('unlockingFirst adds the unlock once', () => {
    const d = humanDecision(APPROVE, swa);
    const once = unlockingFirst(d, 'LOCKED_OUT');
    expect(unlockingFirst(once, 'LOCKED_OUT')).toEqual(once);
    expect(unlockingFirst(d, 'ACTIVE')).toBe(d);
  });
});
