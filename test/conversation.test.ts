import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveChatMessage } from '../src/services/conversation.service.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

/**
 * The chat conversation, channel-agnostic (what the Slack and Teams connectors call): a request
 * gathered in a few messages is filed for the person the channel verified and then decided like
 * any other; its messages are kept with it and shown by GET /requests/{id}/conversation.
 */
describe.each(DIALECTS)('chat conversations on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  const clock = testClock();

  beforeAll(async () => {
    setClock(clock);
    t = await startTestContext(dialect, { policy: NO_COOLDOWN });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });

  const say = (key: string, text: string, requester = 'alice@example.com') =>
    receiveChatMessage(t.app.ctx, { channel: 'slack', key, requester, author: requester.split('@')[0]!, text });
  const choose = (key: string, choice: string) =>
    receiveChatMessage(t.app.ctx, { channel: 'slack', key, requester: 'alice@example.com', author: 'alice', choice });
  const conversation = async (id: string, token: string) => {
    const { data, error } = await t.client(token).GET('/api/v1/requests/{id}/conversation', { params: { path: { id } } });
    if (!data) throw new Error(JSON.stringify(error));
    return data.messages;
  };
  /** Verifying on chat (policy `chat: auto`): alice approves the push on her phone. */
  async function approvePush(id: string) {
    await t.waitForStatus(id, alice, ['Verifying']);
    const push = t.sandbox.pendingPushes().filter((p) => p.userId === USERS.alice)[0];
    expect(push).toBeDefined();
    t.sandbox.answerPush(push!.transactionId, 'approve');
    clock.advance(5_000); // the next read of the push transaction falls due
  }

  const TYPO = "hi, I'm locked out of expensfy, need it for the expense report today";

  it('a near miss → a choice → filed for the person, decided like an API request, the conversation kept', async () => {
    const asked = await say('T1/C1/1.0', TYPO);
    expect(asked).toEqual({ replies: [{ text: 'Which app do you mean?', choices: ['Expensify'] }], requestId: null });
    const filed = await choose('T1/C1/1.0', 'Expensify');
    const id = filed.requestId!;
    expect(id).toBeTruthy();
    expect(filed.replies[0]?.text).toContain('Expensify');
    expect(await t.request(id, alice)).toMatchObject({
      requester: 'alice@example.com',
      app: 'Expensify',
      channel: 'slack',
      justification: TYPO,
      targetUser: null,
    });

    // A message after filing is answered with the status (here: waiting for the push).
    await t.waitForStatus(id, alice, ['Verifying']);
    const status = await say('T1/C1/1.0', 'is it done yet?');
    expect(status.requestId).toBe(id);
    expect(status.replies[0]?.text).toContain("confirm it's you");

    await approvePush(id);
    expect(await t.waitForStatus(id, alice, ['Closed'])).toMatchObject({ resolution: 'Completed' });
    const after = await say('T1/C1/1.0', 'thanks!');
    expect(after.replies[0]?.text).toContain('Your Expensify password reset is done');

    const messages = await conversation(id, alice);
    expect(messages.map((m) => [m.direction, m.text.slice(0, 30)])).toEqual([
      ['in', TYPO.slice(0, 30)],
      ['out', 'Which app do you mean?'],
      ['in', 'Expensify'],
      ['out', filed.replies[0]!.text.slice(0, 30)],
      ['in', 'is it done yet?'],
      ['out', status.replies[0]!.text.slice(0, 30)],
      ['in', 'thanks!'],
      ['out', after.replies[0]!.text.slice(0, 30)],
    ]);
    expect(messages[0]).toMatchObject({ author: 'alice' });
    expect(messages[1]).toMatchObject({ author: 'resetdesk' });
    // Who may see the request may see its conversation; nobody else.
    expect((await t.client(bob).GET('/api/v1/requests/{id}/conversation', { params: { path: { id } } })).response.status).toBe(404);
  });

  it('two questions: which app, then why; then filed, and a status update while it waits for approval', async () => {
    expect((await say('T1/D1', 'reset please')).replies).toEqual([{ text: "Which app's password should be reset?" }]);
    expect((await say('T1/D1', 'Salesforce')).replies).toEqual([{ text: 'Why do you need the reset?' }]);
    const filed = await say('T1/D1', 'forgot it after holiday');
    const id = filed.requestId!;
    expect(await t.request(id, alice)).toMatchObject({ app: 'Salesforce', justification: 'forgot it after holiday', channel: 'slack' });

    await approvePush(id);
    await t.waitForStatus(id, alice, ['Escalated']);
    const status = await say('T1/D1', 'any news?');
    expect(status).toEqual({ replies: [{ text: 'Your Salesforce request is waiting for IT approval.' }], requestId: id });
    // An approver's question is answered in the chat: the text goes to them as the answer.
    const irene = await t.token('irene@example.com', 'approver');
    const returned = await t.client(irene).POST('/api/v1/requests/{id}/return', {
      params: { path: { id } },
      body: { question: 'Which team are you on?' },
    });
    expect(returned.data?.status).toBe('Waiting');
    const relayed = await say('T1/D1', 'Finance, since March');
    expect(relayed.replies).toEqual([{ text: "Thanks, I've sent your answer." }]);
    expect(await t.request(id, alice)).toMatchObject({ status: 'Escalated', question: null });
    const answer = (await t.events(id, alice)).find((e) => e.details.kind === 'answer');
    expect(answer?.details).toMatchObject({ message: 'Finance, since March', relayedBy: 'slack@channels.resetdesk' });
    expect((await conversation(id, alice)).map((m) => m.text).slice(0, 8)).toEqual([
      'reset please',
      "Which app's password should be reset?",
      'Salesforce',
      'Why do you need the reset?',
      'forgot it after holiday',
      filed.replies[0]!.text,
      'any news?',
      status.replies[0]!.text,
    ]);
  });

  it('each thread has its own conversation; concurrent first messages of one thread start only one', async () => {
    const other = await say('T1/C2/2.0', 'please reset Intranet, locked out since the VPN change', 'bob@example.com');
    expect(other.requestId).toBeTruthy();
    expect(await t.request(other.requestId!, bob)).toMatchObject({ requester: 'bob@example.com', app: 'Intranet' });
    expect((await conversation(other.requestId!, bob)).map((m) => m.direction)).toEqual(['in', 'out']);
    // Someone else writing in bob's thread does not speak for him.
    const intruder = await say('T1/C2/2.0', 'reset payroll for me, my laptop died this morning');
    expect(intruder.replies[0]?.text).toContain('belongs to someone else');

    await Promise.all([say('T1/C3/3.0', 'reset please'), say('T1/C3/3.0', 'reset please')]);
    const rows = await t.app.ctx.db.selectFrom('conversations').select('id').where('external_key', '=', 'T1/C3/3.0').execute();
    expect(rows).toHaveLength(1);
    await t.idle();
  });
});
