import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { type FakeTeams, startFakeTeams } from './helpers/fake-teams.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const ALICE = '29:1alice-teams-id';
const BOB = '29:1bob-teams-id';
const NOMAIL = '29:1nomail-teams-id';

type Activity = Record<string, unknown>;
type Attachment = { contentType: string; content: { actions?: { type: string; title: string; data: Record<string, unknown> }[] } };

/**
 * The Teams channel end to end: activities signed the way the Bot Framework signs them, posted to
 * POST /api/messages; resetdesk's answers through the fake Bot Connector; the request decided
 * like any other, and its status changes posted in the same personal chat.
 */
describe.each(DIALECTS)('Teams on %s', (dialect) => {
  let t: TestContext;
  let teams: FakeTeams;
  let alice: string;
  let admin: string;

  const post = (activity: Activity, token: string | null = teams.tokenFor(activity as { serviceUrl: string })) =>
    t.raw('POST', '/api/messages', { body: activity, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const say = (conversationId: string, text: string, from = ALICE) => post(teams.message({ from, conversationId, text }));
  const textsIn = (conversationId: string) => teams.posted(conversationId).map((c) => String(c.body?.text ?? ''));
  const allRequests = async () => (await t.client(admin).GET('/api/v1/requests', {})).data!.requests;

  beforeAll(async () => {
    teams = await startFakeTeams();
    teams.members.set(ALICE, { aadObjectId: randomUUID(), name: 'Alice', email: 'Alice@Example.com' });
    teams.members.set(BOB, { aadObjectId: randomUUID(), name: 'Bob', userPrincipalName: 'bob@example.com' });
    teams.members.set(NOMAIL, { aadObjectId: randomUUID(), name: 'Guest' });
    t = await startTestContext(dialect, { policy: NO_COOLDOWN, env: teams.env({ DUPLICATE_REQUESTS: 'allow' }) });
    alice = await t.token('alice@example.com');
    admin = await t.token('root@example.com', 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await teams?.close();
  });
  beforeEach(async () => {
    await t.idle();
    teams.clearCalls();
  });

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; posted: ${JSON.stringify(teams.posted().map((c) => c.body?.text))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('two questions in plain words and an app card: filed, verified, decided, every status in the same chat', async () => {
    const chat = `a:1personal-${dialect}-alice`;
    expect((await say(chat, 'hi, I need a password reset please')).status).toBe(202);
    expect(textsIn(chat)).toEqual(["Which app's password should be reset?"]);
    const first = teams.posted(chat)[0]!;
    // Replies go back with the token Entra issued for the app's client credentials.
    expect(first.token).toMatch(/^fake-bot-token-/);

    await say(chat, 'expensfy');
    // Not sure which app: the near match as an Adaptive Card with one Action.Submit per app.
    const question = teams.posted(chat).at(-1)!;
    expect(question.body?.text).toBe('Which app do you mean?');
    const [attachment] = (question.body?.attachments ?? []) as Attachment[];
    expect(attachment!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment!.content.actions).toEqual([
      { type: 'Action.Submit', title: 'Expensify', data: { action: 'choose_app', app: 'Expensify' } },
    ]);

    // Pressing the button posts a message whose value is the button's data.
    expect(
      (await post(teams.message({ from: ALICE, conversationId: chat, value: { action: 'choose_app', app: 'Expensify' } }))).status,
    ).toBe(202);
    expect(textsIn(chat).at(-1)).toBe('Why do you need the reset?');
    await say(chat, 'I am locked out and the expense report is due today');
    await until(() => textsIn(chat).some((x) => /confirm it's you/.test(x)), 'the verification step');

    const [request] = (await allRequests()).filter((r) => r.channel === 'teams');
    expect(request).toMatchObject({ requester: 'alice@example.com', app: 'Expensify', status: 'Verifying' });
    expect(request!.justification).toContain('expense report is due today');
    const push = t.sandbox.pendingPushes().find((p) => p.userId === USERS.alice);
    t.sandbox.answerPush(push!.transactionId, 'approve');
    const done = await t.waitForStatus(request!.request_id, alice, ['Closed']);
    expect(done).toMatchObject({ resolution: 'Completed', ruleId: 'swa_self_service' });
    await until(() => textsIn(chat).some((x) => /password reset is done/.test(x)), 'the completion');
    // Nothing was written anywhere else.
    expect(teams.posted().every((c) => c.conversationId === chat)).toBe(true);

    // The whole conversation is on the request, the person as Teams named them.
    const conversation = await t.client(alice).GET('/api/v1/requests/{id}/conversation', { params: { path: { id: request!.request_id } } });
    const messages = conversation.data!.messages;
    expect(messages[0]).toMatchObject({
      direction: 'in',
      text: 'hi, I need a password reset please',
      author: `teams:${teams.members.get(ALICE)!.aadObjectId}`,
    });
    expect(messages.at(-1)).toMatchObject({ direction: 'out', text: expect.stringContaining('password reset is done') });
    expect(t.mailTo('alice@example.com').some((m) => m.subject === 'Expensify password reset')).toBe(true);
  });

  it('a request typed in Teams is decided like the same request through the API', async () => {
    const cases = [
      { from: ALICE, email: 'alice@example.com', app: 'Salesforce' },
      { from: ALICE, email: 'alice@example.com', app: 'Ghost' },
      { from: BOB, email: 'bob@example.com', app: 'Expensify' },
    ];
    for (const [i, c] of cases.entries()) {
      const token = await t.token(c.email);
      const api = await t.create(token, { app: c.app, justification: 'locked out since Monday, need it today' });
      const viaApi = await t.waitForStatus(api.data!.request_id, token, ['Escalated', 'Closed', 'PendingExternal']);
      const before = new Set((await allRequests()).map((r) => r.request_id));
      await say(`a:1parity-${dialect}-${i}`, `${c.app}: locked out since Monday, need it today`, c.from);
      const filed = (await allRequests()).find((r) => !before.has(r.request_id));
      expect(filed, `${c.email} ${c.app}`).toMatchObject({ channel: 'teams', requester: c.email, app: c.app });
      await t.idle();
      if ((await t.request(filed!.request_id, token)).status === 'Verifying') {
        const userId = c.from === BOB ? USERS.bob : USERS.alice;
        const push = t.sandbox
          .pendingPushes()
          .filter((p) => p.userId === userId)
          .at(-1);
        t.sandbox.answerPush(push!.transactionId, 'approve');
      }
      const viaTeams = await t.waitForStatus(filed!.request_id, token, ['Escalated', 'Closed', 'PendingExternal']);
      expect([viaTeams.ruleId, viaTeams.decision, viaTeams.resolution], `${c.email} ${c.app}`).toEqual([
        viaApi.ruleId,
        viaApi.decision,
        viaApi.resolution,
      ]);
    }
  }, 120_000);

  it('refuses with 401, and processes nothing, every activity whose token or tenant does not check out', async () => {
    const chat = `a:1refused-${dialect}`;
    const activity = teams.message({ from: ALICE, conversationId: chat, text: 'reset expensify, locked out before the trip' });
    const now = Math.floor(Date.now() / 1000);
    const otherTenant = teams.message({ from: ALICE, conversationId: chat, text: 'reset expensify please', tenantId: randomUUID() });
    const sign = (claims: Record<string, unknown>) => teams.tokenFor(activity as { serviceUrl: string }, { claims });
    // Each refusal for its own reason (the message says which rule failed; it reaches the log, not Teams' user).
    const cases: [string, Activity, string | null, RegExp][] = [
      ['unsigned', activity, null, /No Bearer token/],
      ['not a JWT', activity, 'not-a-token', /No Bearer token/],
      ['wrong audience', activity, sign({ aud: randomUUID() }), /Invalid AppId/],
      ['wrong issuer', activity, sign({ iss: 'https://sts.windows.net/x/' }), /not issued by https:\/\/api\.botframework\.com/],
      ['expired', activity, sign({ exp: now - 600, nbf: now - 4000, iat: now - 4000 }), /expired/],
      ['unknown key', activity, teams.tokenFor(activity as { serviceUrl: string }, { key: 'other' }), /invalid signature/],
      ['serviceUrl claim', activity, teams.tokenFor({ serviceUrl: 'https://smba.trafficmanager.net/emea/' }), /ServiceUrl claim/],
      ['other tenant', otherTenant, teams.tokenFor(otherTenant as { serviceUrl: string }), /another Microsoft Entra tenant/],
    ];
    for (const [what, body, token, reason] of cases) {
      const res = await post(body, token);
      expect([res.status, errorOf(res)?.code], what).toEqual([401, 'TEAMS_TOKEN_INVALID']);
      expect(errorOf(res)?.message, what).toMatch(reason);
    }
    // An activity pointing its serviceUrl elsewhere, signed for it: the token is good, the URL is not https.
    const elsewhere = teams.message({ from: ALICE, conversationId: chat, text: 'hi', serviceUrl: 'http://attacker.example/' });
    expect((await post(elsewhere)).status).toBe(401);
    // Not an activity at all.
    const junk = await t.raw('POST', '/api/messages', {
      body: { hello: 'world' },
      headers: { authorization: `Bearer ${teams.tokenFor({ serviceUrl: teams.serviceUrl })}` },
    });
    expect([junk.status, errorOf(junk)?.code]).toEqual([400, 'VALIDATION_FAILED']);

    await t.idle();
    expect(teams.calls()).toEqual([]);
    expect(await t.app.ctx.db.selectFrom('teams_conversations').selectAll().where('conversation_id', '=', chat).execute()).toEqual([]);
    expect(await t.app.ctx.db.selectFrom('conversations').selectAll().where('external_key', '=', `conv:${chat}`).execute()).toEqual([]);
    // The same activity, signed properly, is heard.
    expect((await post(activity)).status).toBe(202);
    expect(teams.posted(chat)).toHaveLength(1);
  });

  it('a group chat or a channel is no place for a request: nothing is answered or stored', async () => {
    const before = (await allRequests()).length;
    for (const conversationType of ['groupChat', 'channel'] as const) {
      const conversationId = `19:group-${conversationType}-${dialect}@thread.v2`;
      const res = await post(
        teams.message({ from: ALICE, conversationId, conversationType, text: 'reset expensify, I am locked out today' }),
      );
      expect(res.status).toBe(200);
      expect(
        await t.app.ctx.db.selectFrom('teams_conversations').selectAll().where('conversation_id', '=', conversationId).execute(),
      ).toEqual([]);
    }
    await t.idle();
    expect(teams.calls()).toEqual([]);
    expect((await allRequests()).length).toBe(before);
  });

  it('a member Teams shows no email for is told why, and nothing is filed', async () => {
    const before = (await allRequests()).length;
    const chat = `a:1nomail-${dialect}`;
    await say(chat, 'reset expensify, I forgot the password over the weekend', NOMAIL);
    expect(textsIn(chat)).toHaveLength(1);
    expect(textsIn(chat)[0]).toMatch(/can't see the email address/);
    await t.idle();
    expect((await allRequests()).length).toBe(before);
  });
});

describe('Teams not configured', () => {
  it('POST /api/messages is 404', async () => {
    const t = await startTestContext('sqlite');
    try {
      const res = await t.raw('POST', '/api/messages', { body: { type: 'message' }, headers: { authorization: 'Bearer x.y.z' } });
      expect([res.status, errorOf(res)?.code]).toEqual([404, 'NOT_FOUND']);
    } finally {
      await t.close();
    }
  });
});
