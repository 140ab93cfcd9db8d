import { describe, expect, it } from 'vitest';
import { DIALECTS, useMigratedDatabase } from '../../test/helpers/databases.js';
import { listAuditEvents } from '../db/repositories/audit.repository.js';
import { listDecisions } from '../db/repositories/decision.repository.js';
import { listJobs } from '../db/repositories/job.repository.js';
import { getRequest, insertRequest, type PasswordRequest, transitionRequest } from '../db/repositories/request.repository.js';
import type { PolicyDecision } from '../domain/decision.js';
import { humanDecision } from '../domain/human-decision.js';
import { applyDecision } from './apply-decision.js';
import { buildCredentialStores } from './credential-stores.js';

const ESCALATION: PolicyDecision = {
  source: 'engine',
  outcome: 'Escalated',
  ruleId: 'sso_requires_approval',
  rationale: 'Salesforce signs in through Okta, so it needs approval from IT.',
  priority: 'Medium',
  nextStatus: 'Escalated',
  resetMethod: 'okta_reset',
  actions: [
    { type: 'request_approval', approverGroup: 'it-approvers' },
    { type: 'notify_requester', notice: 'escalated' },
  ],
  policyVersion: 'test-1',
  facts: { requestedApp: 'Salesforce' },
  app: 'Salesforce',
  oktaUserId: '00u-alice',
  oktaAppId: '0oa-sf',
};

/** The one applier on the real databases: each decision acts once, however many try. */
describe.each(DIALECTS)('applyDecision on %s', (dialect) => {
  const db = useMigratedDatabase(dialect);
  let wakes = 0;
  const ctx = () => ({ db: db(), wakeWorker: () => void wakes++, stores: buildCredentialStores([]) });

  async function triaging(): Promise<PasswordRequest> {
    const created = await insertRequest(db(), {
      requester: 'alice@example.com',
      app: 'Salesforce',
      justification: 'locked out',
      targetUser: null,
      channel: 'api',
      submittedBy: 'alice@example.com',
    });
    return (await transitionRequest(db(), created.id, 'New', 'Triaging'))!;
  }
  const jobKeysOf = async (requestId: string) =>
    (await listJobs(db()))
      .filter((j) => j.idempotency_key.includes(requestId))
      .map((j) => j.idempotency_key)
      .sort();

  it('an engine escalation: status, next owner, log entry, audit events and one job per action', async () => {
    const request = await triaging();
    wakes = 0;
    expect(await applyDecision(ctx(), request, ESCALATION)).toBe(true);
    expect(wakes).toBe(1);
    expect(await getRequest(db(), request.id)).toMatchObject({
      status: 'Escalated',
      decision: 'Escalated',
      ruleId: 'sso_requires_approval',
      resetMethod: 'okta_reset',
      nextOwner: 'it-approvers',
      priority: 'Medium',
    });
    const [entry, ...more] = await listDecisions(db(), request.id);
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({
      source: 'engine',
      decision: { outcome: 'Escalated', app: 'Salesforce', ruleId: 'sso_requires_approval' },
    });
    const events = await listAuditEvents(db(), request.id);
    expect(events.map((e) => e.eventType)).toEqual(['Decision', 'Escalation']);
    expect(events[0]!.details.actions).toEqual(ESCALATION.actions);
    // The approvers' notices (and reminder timers) follow the escalation, keyed by its event.
    const notify = `notify-approvers:${request.id}:${events[1]!.eventId}`;
    expect(await jobKeysOf(request.id)).toEqual([`email:${request.id}:escalated`, notify]);
  });

  it('the same decision applied twice acts once', async () => {
    const request = await triaging();
    const results = await Promise.all([applyDecision(ctx(), request, ESCALATION), applyDecision(ctx(), request, ESCALATION)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await listDecisions(db(), request.id)).toHaveLength(1);
    expect(await listAuditEvents(db(), request.id)).toHaveLength(2);
  });

  it('two approvers at once: one approval, one Okta reset job, the request stays Escalated', async () => {
    const request = await triaging();
    await applyDecision(ctx(), request, ESCALATION);
    const escalated = (await getRequest(db(), request.id))!;
    const facts = { resetMethod: escalated.resetMethod, resetUrl: null, rationale: escalated.rationale };
    const approve = (approver: string) =>
      applyDecision(ctx(), escalated, humanDecision({ outcome: 'Approved', approver, comment: null }, facts));
    expect((await Promise.all([approve('irene@example.com'), approve('root@example.com')])).sort()).toEqual([false, true]);
    expect(await getRequest(db(), request.id)).toMatchObject({
      status: 'Escalated',
      decision: 'Escalated',
      manualDecision: 'Approved',
    });
    expect(await listDecisions(db(), request.id)).toHaveLength(2);
    expect(await jobKeysOf(request.id)).toEqual([
      `email:${request.id}:escalated`,
      expect.stringMatching(new RegExp(`^notify-approvers:${request.id}:evt_`)),
      `okta-reset:${request.id}`,
    ]);
    // A denial after the approval finds the claim taken and changes nothing.
    const deny = humanDecision({ outcome: 'Denied', approver: 'irene@example.com', comment: null }, facts);
    expect(await applyDecision(ctx(), escalated, deny)).toBe(false);
    expect((await getRequest(db(), request.id))!.status).toBe('Escalated');
  });

  it('a denial rejects the request and tells the requester, with the approver as the actor', async () => {
    const request = await triaging();
    await applyDecision(ctx(), request, ESCALATION);
    const escalated = (await getRequest(db(), request.id))!;
    const deny = humanDecision(
      { outcome: 'Denied', approver: 'irene@example.com', comment: 'not now' },
      { resetMethod: 'okta_reset', resetUrl: null, rationale: null },
    );
    expect(await applyDecision(ctx(), escalated, deny)).toBe(true);
    expect(await getRequest(db(), request.id)).toMatchObject({
      status: 'Rejected',
      decision: 'Rejected',
      manualDecision: 'Denied',
      decisionComment: 'not now',
    });
    const rejection = (await listAuditEvents(db(), request.id)).at(-1);
    expect(rejection).toMatchObject({
      eventType: 'Rejection',
      actor: 'irene@example.com',
      details: { decision: 'Denied', comment: 'not now' },
    });
    expect(await jobKeysOf(request.id)).toEqual([
      `email:${request.id}:escalated`,
      `email:${request.id}:rejected_by_approver`,
      expect.stringMatching(new RegExp(`^notify-approvers:${request.id}:evt_`)),
    ]);
  });
});
