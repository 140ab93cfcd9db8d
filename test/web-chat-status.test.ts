import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAgentRun } from '../src/db/repositories/agent-run.repository.js';
import { insertConversation } from '../src/db/repositories/conversation.repository.js';
import { newConversation } from '../src/domain/conversation.js';
import { expectAccessible, screenshot, signedInPage, signInThroughProvider, startBrowser, type TestBrowser } from './helpers/browser.js';
import { type FakeSlack, startFakeSlack } from './helpers/fake-slack.js';
import { type FakeTeams, startFakeTeams } from './helpers/fake-teams.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

const SIGNING_SECRET = 'slack-signing-secret-web-chat-status-01';
/** /api/v1/me before sign-in (401) and the dev-mailbox probe on a server that mails through SMTP (404). */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];
/** Three runs of the agent on one request: one failed, two tool calls refused. */
const RUNS: [latencyMs: number, promptTokens: number, completionTokens: number, failed: boolean][] = [
  [400, 500, 200, false],
  [700, 734, 367, false],
  [1000, 0, 0, true],
];
const USAGE_LINE = '3 runs (1 failed), 1,234 tokens in / 567 out, 2.1 s';

/**
 * The chat channels in the web app, in Chromium: the admin Connectors page shows the Slack and
 * Teams cards, and what the LLM agent cost on a request shows to its reviewers — on the request
 * page and in the queue's review panel — but not to the requester.
 */
describe('chat channels and the agent’s usage in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  let slack: FakeSlack;
  let teams: FakeTeams;
  const consoleErrors: string[] = [];

  const signIn = (email: string, path: string) =>
    signedInPage(b, t.url, email, path, { expected: EXPECTED_CONSOLE, unexpected: consoleErrors });

  /** Alice's escalated Salesforce request, with the runs the agent spent on its Slack conversation. */
  async function requestWithRuns(): Promise<string> {
    const alice = await t.token('alice@example.com');
    const created = await t.create(alice, { app: 'Salesforce', justification: 'locked out after the holiday' });
    expect(created.status, JSON.stringify(created.error)).toBe(201);
    const requestId = created.data!.request_id;
    await t.idle();
    expect((await t.waitForStatus(requestId, alice, ['Escalated'])).status).toBe('Escalated');
    const db = t.app.ctx.db;
    const conversation = await insertConversation(db, {
      channel: 'slack',
      externalKey: 'D0USAGE',
      requester: 'alice@example.com',
      state: newConversation(),
    });
    for (const [i, [latencyMs, promptTokens, completionTokens, failed]] of RUNS.entries()) {
      await insertAgentRun(db, {
        conversationId: conversation.id,
        requestId,
        model: 'test-model',
        outcome: failed ? 'failed' : 'proposed',
        errorCode: failed ? 'LLM_UNAVAILABLE' : null,
        promptTokens,
        completionTokens,
        latencyMs,
        rejectedCalls: i === 1 ? 2 : 0,
      });
    }
    return requestId;
  }

  beforeAll(async () => {
    slack = await startFakeSlack();
    teams = await startFakeTeams();
    t = await startTestContext('sqlite', {
      oidc: true,
      policy: NO_COOLDOWN,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
        SLACK_API_URL: slack.apiUrl,
        ...teams.env(),
      },
    });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await slack?.close();
    await teams?.close();
  });

  it('an admin sees the Slack and Microsoft Teams cards on the Connectors page', async () => {
    const page = await signIn('root@example.com', '/admin/connectors');
    const slackCard = page.getByRole('region', { name: 'Slack' });
    const teamsCard = page.getByRole('region', { name: 'Microsoft Teams' });
    await expect.poll(() => slackCard.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await slackCard.getByText('HTTP events', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByTestId('connectors-slack').textContent()).toContain('POST /slack/events');
    expect(await teamsCard.getByText('Configured', { exact: true }).isVisible()).toBe(true);
    const teamsText = (await page.getByTestId('connectors-teams').textContent()) ?? '';
    expect(teamsText).toContain('Messaging endpoint: POST /api/messages');
    expect(teamsText).toContain(`App ID ${teams.appId}, tenant ${teams.tenantId}`);
    expect(teamsText).toContain('No approvers’ conversation (TEAMS_APPROVERS_CONVERSATION)');
    const whole = (await page.locator('main').textContent()) ?? '';
    for (const secret of [slack.botToken, SIGNING_SECRET, teams.appPassword]) expect(whole).not.toContain(secret);
    await expectAccessible(page, 'admin connectors (chat channels)');
    await screenshot(page, 'admin-connectors-chat');
    await page.close();
  }, 60_000);

  it('an approver sees the agent’s usage on the request and in the review panel; the requester does not', async () => {
    const id = await requestWithRuns();

    const approver = await signIn('irene@example.com', `/requests/${id}`);
    const metadata = approver.getByTestId('request-metadata');
    const usage = metadata.getByTestId('agent-usage');
    await expect.poll(() => usage.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await metadata.getByText('LLM agent', { exact: true }).isVisible()).toBe(true);
    expect(await usage.getByText(USAGE_LINE, { exact: true }).isVisible()).toBe(true);
    expect(await usage.getByText('2 tool calls refused', { exact: true }).isVisible()).toBe(true);
    expect(await usage.getByText('Model: test-model', { exact: true }).isVisible()).toBe(true);
    await expectAccessible(approver, 'request with the agent’s usage');
    await screenshot(approver, 'request-agent-usage');

    await approver.goto(`${t.url}/queue?selected=${id}`);
    const panel = approver.getByTestId('review-panel');
    await expect.poll(() => panel.getByTestId('agent-usage').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await panel.getByTestId('agent-usage').getByText(USAGE_LINE, { exact: true }).isVisible()).toBe(true);
    await expectAccessible(approver, 'review panel with the agent’s usage');
    await approver.close();

    const requester = await signIn('alice@example.com', `/requests/${id}`);
    const own = requester.getByTestId('request-metadata');
    await expect.poll(() => own.isVisible(), { timeout: 10_000 }).toBe(true);
    // The page is complete (the timeline is in) before looking for what must not be there.
    await expect
      .poll(() => requester.getByRole('heading', { level: 2, name: 'Justification' }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(await requester.getByTestId('agent-usage').count()).toBe(0);
    expect(await requester.getByText('LLM agent').count()).toBe(0);
    expect(await requester.getByText(/tokens in/).count()).toBe(0);
    await expectAccessible(requester, 'own request without the agent’s usage');
    await requester.close();
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});

/**
 * The other states of the two cards: Slack in Socket Mode with a refused app-level token
 * (disconnected, with Slack's error) and Teams not configured.
 */
describe('the chat cards with Socket Mode down and without Teams', () => {
  let t: TestContext;
  let b: TestBrowser;
  let slack: FakeSlack;
  const REVOKED = 'xapp-1-A0APP-999-revokedwebtoken';

  beforeAll(async () => {
    slack = await startFakeSlack();
    t = await startTestContext('sqlite', {
      oidc: true,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: REVOKED,
        SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
        SLACK_API_URL: slack.apiUrl,
      },
    });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await slack?.close();
  });

  it('shows Slack disconnected with the last error, and Teams not configured', async () => {
    await expect.poll(() => slack.calls().some((c) => c.method === 'apps.connections.open'), { timeout: 15_000 }).toBe(true);
    const { page, consoleErrors } = await b.page(1280);
    await signInThroughProvider(page, t.url, 'root@example.com', '/admin/connectors');
    const slackCard = page.getByRole('region', { name: 'Slack' });
    await expect.poll(() => slackCard.isVisible(), { timeout: 10_000 }).toBe(true);
    // The first attempt may still be under way at the first look: "Check again" reads the status anew.
    await expect
      .poll(
        async () => {
          if (await slackCard.getByText(/invalid_auth/).isVisible()) return true;
          await page.getByRole('button', { name: 'Check again' }).click();
          return false;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await slackCard.getByText('Disconnected', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByTestId('connectors-slack').textContent()).toContain('Socket Mode (SLACK_APP_TOKEN)');
    expect(await slackCard.textContent()).not.toContain(REVOKED);
    const teamsCard = page.getByRole('region', { name: 'Microsoft Teams' });
    expect(await teamsCard.getByText('Not configured', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByTestId('connectors-teams').textContent()).toContain('No Azure Bot is set up (MICROSOFT_APP_*)');
    await expectAccessible(page, 'admin connectors (Socket Mode down, no Teams)');
    await page.close();
    expect(consoleErrors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))).toEqual([]);
  }, 60_000);
});
