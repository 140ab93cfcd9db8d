import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { latestEscalationId } from '../src/db/repositories/audit.repository.js';
import { teamsApprovalPostJob } from '../src/jobs/teams-approval.jobs.js';
import { DIALECTS } from './helpers/databases.js';
import { type FakeTeams, startFakeTeams } from './helpers/fake-teams.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const APPROVERS = '19:it-approvers-channel@thread.tacv2';
const IRENE = '29:1irene-teams-id';
const BOB = '29:1bob-teams-id';
const ALICE = '29:1alice-teams-id';

interface Card {
  body: { type: string; text?: string }[];
  actions?: { type: string; verb?: string }[];
  refresh?: { action: { verb: string } };
}
type InvokeAnswer = { statusCode: number; type: string; value: unknown };

/**
 * Approvals in Teams end to end: escalations posted to the approvers' conversation as Adaptive
 * Cards, the Universal Actions deciding with the web app's rules, and the card updated after any
 * decision, wherever it was made.
 */
describe.each(DIALECTS)('Teams approvals on %s', (dialect) => {
  let t: TestContext;
  let teams: FakeTeams;
  let alice: string;
  let irene: string;

  const cardOf = (activity: Record<string, unknown> | null | undefined) =>
    ((activity?.attachments as { content: Card }[] | undefined) ?? [])[0]?.content;
  const verbs = (card: Card | undefined) => (card?.actions ?? []).map((a) => a.verb);
  const textOf = (card: Card | undefined) => JSON.stringify(card?.body ?? []);
  const cards = (id: string) => t.app.ctx.db.selectFrom('teams_approval_cards').selectAll().where('request_id', '=', id).execute();
  const resets = () => t.sandbox.calls().filter((c) => c.path.endsWith('/lifecycle/reset_password'));

  /** A press on the card, as Teams sends it: an adaptiveCard/action invoke from the channel thread. */
  async function press(verb: string, requestId: string, from: string, comment?: string): Promise<InvokeAnswer> {
    const activity = teams.invoke({
      from,
      conversationId: `${APPROVERS};messageid=1700000999`,
      conversationType: 'channel',
      verb,
      data: { requestId, ...(comment !== undefined ? { comment } : {}) },
    });
    const res = await t.raw('POST', '/api/messages', {
      body: activity,
      headers: { authorization: `Bearer ${teams.tokenFor(activity as { serviceUrl: string })}` },
    });
    expect(res.status).toBe(200);
    return res.body as InvokeAnswer;
  }

  beforeAll(async () => {
    teams = await startFakeTeams();
    teams.members.set(IRENE, { aadObjectId: randomUUID(), name: 'Irene', email: 'irene@example.com' });
    teams.members.set(BOB, { aadObjectId: randomUUID(), name: 'Bob', email: 'bob@example.com' });
    teams.members.set(ALICE, { aadObjectId: randomUUID(), name: 'Alice', email: 'alice@example.com' });
    t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: teams.env({ TEAMS_APPROVERS_CONVERSATION: APPROVERS, DUPLICATE_REQUESTS: 'allow' }),
    });
    alice = await t.token('alice@example.com');
    irene = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    await teams?.close();
  });
  beforeEach(async () => {
    await t.idle();
    teams.clearCalls();
    t.sandbox.clearCalls();
  });

  /** A Salesforce request (SAML: an approver of crm-owners decides) filed through the API, escalated and carded. */
  async function escalated(justification = 'locked out before the quarterly close'): Promise<string> {
    const created = await t.create(alice, { app: 'Salesforce', justification });
    expect(created.status).toBe(201);
    const id = created.data!.request_id;
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Escalated');
    return id;
  }

  /** The one update of the episode's card after teams.clearCalls(): decided, without buttons or input. */
  async function updatedCard(id: string): Promise<string> {
    await t.idle();
    const [card] = (await cards(id)).slice(-1);
    const updates = teams.updated(APPROVERS).filter((c) => c.targetId === card?.activity_id);
    expect(updates).toHaveLength(1);
    const content = cardOf(updates[0]!.body);
    expect(verbs(content)).toEqual([]);
    expect(textOf(content)).not.toContain('Input.Text');
    return textOf(content);
  }

  it('posts an escalation once as a card; a non-approver is refused privately; an approver approves and the card says so', async () => {
    const id = await escalated('Locked out [click](https://evil.example)\nneed it for the close');
    expect(teams.posted(APPROVERS)).toHaveLength(1);
    const [post] = teams.posted(APPROVERS);
    expect(post!.token).toMatch(/^fake-bot-token-/);
    const card = cardOf(post!.body);
    expect(verbs(card)).toEqual(['approve', 'deny', 'ask_info']);
    expect(card!.actions!.every((a) => a.type === 'Action.Execute')).toBe(true);
    expect(card!.refresh?.action.verb).toBe('refresh');
    expect(textOf(card)).toContain('alice@example.com');
    expect(textOf(card)).toContain('Salesforce');
    // The requester's words are shown, not rendered: no link sneaks into the card.
    expect(textOf(card)).toContain('Locked out \\\\[click\\\\]\\\\(https://evil.example\\\\)');
    expect(textOf(card)).toContain(`/requests/${id})`);
    expect(await cards(id)).toHaveLength(1);

    // A retry of the post job (say, after a crash once Teams had answered) posts nothing more.
    const cycle = await latestEscalationId(t.app.ctx.db, id);
    await teamsApprovalPostJob(t.app.ctx).run({ requestId: id, cycle: cycle! }, undefined as never);
    expect(teams.posted(APPROVERS)).toHaveLength(1);

    // bob is not in crm-owners: told alone (a message only the presser sees), nothing changes.
    const refused = await press('approve', id, BOB);
    expect(refused).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('crm-owners'),
    });
    await t.idle();
    expect(await t.request(id, alice)).toMatchObject({ status: 'Escalated', manualDecision: null });
    expect(teams.updated()).toHaveLength(0);

    // irene approves: her card shows the outcome at once; the Okta reset runs once; everyone's card is updated.
    const approved = await press('approve', id, IRENE);
    expect(approved.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(verbs(approved.value as Card)).toEqual([]);
    const done = await t.waitForStatus(id, alice, ['Closed']);
    expect(done).toMatchObject({ resolution: 'Completed', manualDecision: 'Approved', decidedBy: 'irene@example.com' });
    expect(resets()).toHaveLength(1);
    expect(resets()[0]!.path).toBe(`/api/v1/users/${USERS.alice}/lifecycle/reset_password`);
    expect(await updatedCard(id)).toContain('**Approved** by irene@example.com');
    expect(teams.posted(APPROVERS)).toHaveLength(1);

    // Pressing again: already decided, told, nothing changes. Opening the card shows its outcome.
    teams.clearCalls();
    expect((await press('approve', id, IRENE)).value).toMatch(/already been decided/);
    const refreshed = await press('refresh', id, BOB);
    expect(refreshed.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(verbs(refreshed.value as Card)).toEqual([]);
    await t.idle();
    expect(resets()).toHaveLength(1);
  });

  it('Deny with a comment rejects the request, tells the requester why, and updates the card', async () => {
    const id = await escalated();
    // While it waits, opening the card shows the buttons.
    expect(verbs((await press('refresh', id, IRENE)).value as Card)).toEqual(['approve', 'deny', 'ask_info']);
    const denied = await press('deny', id, IRENE, 'Not during the change freeze');
    expect(denied.type).toBe('application/vnd.microsoft.card.adaptive');
    const r = await t.waitForStatus(id, alice, ['Closed']);
    expect(r).toMatchObject({ resolution: 'Rejected', manualDecision: 'Denied', decidedBy: 'irene@example.com' });
    expect(await updatedCard(id)).toContain('**Denied** by irene@example.com');
    expect(t.mailTo('alice@example.com').some((m) => m.text.includes('Not during the change freeze'))).toBe(true);
    expect(resets()).toHaveLength(0);
  });

  it('Ask for info needs a question; with one the request waits for the requester and the card says so', async () => {
    const id = await escalated();
    expect((await press('ask_info', id, IRENE, '   ')).value).toMatch(/Write the question/);
    expect((await press('ask_info', id, IRENE)).value).toMatch(/Write the question/);
    expect((await t.request(id, alice)).status).toBe('Escalated');

    const asked = await press('ask_info', id, IRENE, 'Which device are you locked out on?');
    expect(asked.type).toBe('application/vnd.microsoft.card.adaptive');
    const waiting = await t.waitForStatus(id, alice, ['Waiting']);
    expect(waiting.question).toMatchObject({ text: 'Which device are you locked out on?', reason: 'returned' });
    expect(await updatedCard(id)).toContain('**Returned for information** by irene@example.com');

    // alice answers: escalated again, a new episode, a new card with buttons.
    teams.clearCalls();
    const reply = await t.client(alice).POST('/api/v1/requests/{id}/reply', { params: { path: { id } }, body: { message: 'My laptop' } });
    expect(reply.response.status).toBe(200);
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Escalated');
    expect(teams.posted(APPROVERS)).toHaveLength(1);
    expect(verbs(cardOf(teams.posted(APPROVERS)[0]!.body))).toEqual(['approve', 'deny', 'ask_info']);
    expect(await cards(id)).toHaveLength(2);
    expect(teams.updated()).toHaveLength(0);
    expect((await t.decide(id, irene, 'deny')).status).toBe(200);
  });

  it('a decision in the web app or the API, or a cancellation, updates the card too', async () => {
    const decided = await escalated();
    expect((await t.decide(decided, irene, 'deny', { comment: 'no' })).status).toBe(200);
    expect(await updatedCard(decided)).toContain('**Denied** by irene@example.com');

    teams.clearCalls();
    const cancelled = await escalated();
    const cancel = await t.client(alice).POST('/api/v1/requests/{id}/cancel', { params: { path: { id: cancelled } }, body: {} });
    expect(cancel.response.status).toBe(200);
    expect(await updatedCard(cancelled)).toContain('**Cancelled** by alice@example.com');
  });

  it('the requester pressing Approve on her own request is refused; a card action outside the approvers’ conversation does nothing', async () => {
    const id = await escalated();
    expect((await press('approve', id, ALICE)).value).toMatch(/Nobody may decide their own request/);
    // The same press from a personal chat (a forwarded card): not handled there.
    const elsewhere = teams.invoke({ from: IRENE, conversationId: 'a:1irene-personal', verb: 'approve', data: { requestId: id } });
    const res = await t.raw('POST', '/api/messages', {
      body: elsewhere,
      headers: { authorization: `Bearer ${teams.tokenFor(elsewhere as { serviceUrl: string })}` },
    });
    expect(res.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/not handled/) });
    await t.idle();
    expect(await t.request(id, alice)).toMatchObject({ status: 'Escalated', manualDecision: null });
    expect(teams.updated()).toHaveLength(0);
    expect((await t.decide(id, irene, 'deny')).status).toBe(200);
  });
});
