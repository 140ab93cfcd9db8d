import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, screenshot, signInThroughProvider, startBrowser, type TestBrowser } from './helpers/browser.js';
import { type FakeSlack, signSlackRequest, startFakeSlack } from './helpers/fake-slack.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

const SIGNING_SECRET = 'slack-signing-secret-for-web-tests-01';

/**
 * A request filed in a Slack DM, in Chromium: its page shows the conversation that filed it, as
 * typed (markup stays text), next to the timeline.
 */
describe('the conversation of a chat request in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  let slack: FakeSlack;

  beforeAll(async () => {
    slack = await startFakeSlack();
    t = await startTestContext('sqlite', {
      oidc: true,
      policy: NO_COOLDOWN,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
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

  it('shows what the requester wrote and what resetdesk answered', async () => {
    const text = 'Salesforce locked me out <b>again</b>, I need it for the quarter close';
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'T0FAKE',
      api_app_id: 'A0APP',
      type: 'event_callback',
      event_id: 'EvWeb1',
      event_time: 1700000001,
      event: { type: 'message', channel_type: 'im', channel: 'D0WEB', user: 'U0ALICE', text, ts: '1700000000.000500' },
    });
    const res = await t.raw('POST', '/slack/events', {
      rawBody: body,
      headers: { 'content-type': 'application/json', ...signSlackRequest(body, SIGNING_SECRET) },
    });
    expect(res.status).toBe(200);
    const admin = await t.token('root@example.com', 'admin');
    let id: string | undefined;
    const deadline = Date.now() + 15_000;
    while (!id && Date.now() < deadline) {
      const list = await t.client(admin).GET('/api/v1/requests', {});
      id = list.data?.requests.find((r) => r.channel === 'slack')?.request_id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    await t.idle();

    const { page, consoleErrors } = await b.page(1280);
    await signInThroughProvider(page, t.url, 'alice@example.com', `/requests/${id}`);
    const conversation = page.getByTestId('conversation');
    await expect.poll(() => conversation.isVisible(), { timeout: 15_000 }).toBe(true);
    const items = await conversation.locator('li').allTextContents();
    expect(items[0]).toContain(text);
    expect(items.some((i) => i.startsWith('resetdesk') && /filed a request/.test(i))).toBe(true);
    // The markup someone typed is text, not an element.
    expect(await conversation.locator('b').count()).toBe(0);
    await expectAccessible(page, 'conversation');
    await screenshot(page, 'request-conversation', { fullPage: true });
    await page.close();
    expect(consoleErrors.filter((e) => !/status of (401|404)/.test(e))).toEqual([]);
  }, 90_000);
});
