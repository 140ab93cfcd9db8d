import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { type FakeSlack, startFakeSlack } from './helpers/fake-slack.js';
import { type FakeTeams, startFakeTeams } from './helpers/fake-teams.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

const SIGNING_SECRET = 'connector-status-signing-secret-0123';
const APPROVERS_CONVERSATION = '19:approvers-status@thread.tacv2';

/** GET /api/v1/admin/connectors as an admin: the parsed body and the raw text (to look for secrets in). */
async function connectorStatus(t: TestContext) {
  const admin = await t.token('root@example.com', 'admin');
  const res = await t.raw('GET', '/api/v1/admin/connectors', { token: admin });
  expect(res.status).toBe(200);
  const body = res.body as { slack: Record<string, unknown>; teams: Record<string, unknown> };
  return { body, text: JSON.stringify(res.body) };
}

/**
 * The chat channels on the admin Connectors status: Slack (HTTP events, Slack calls resetdesk)
 * and Microsoft Teams (configuration facts only), "not configured" without their variables, and
 * no secret of either anywhere in the answer.
 */
describe.each(DIALECTS)('chat channels in the connector status on %s', (dialect) => {
  describe('with Slack (HTTP) and Teams configured', () => {
    let t: TestContext;
    let slack: FakeSlack;
    let teams: FakeTeams;

    beforeAll(async () => {
      slack = await startFakeSlack();
      teams = await startFakeTeams();
      t = await startTestContext(dialect, {
        env: {
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
          SLACK_API_URL: slack.apiUrl,
          ...teams.env({ TEAMS_APPROVERS_CONVERSATION: APPROVERS_CONVERSATION }),
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      await slack?.close();
      await teams?.close();
    });

    it('shows Slack over HTTP and Teams with its app, tenant, endpoint and approvers’ conversation', async () => {
      const { body } = await connectorStatus(t);
      expect(body.slack).toEqual({ configured: true, mode: 'http', connected: null, error: null, summary: 'HTTP (POST /slack/events)' });
      expect(body.teams).toEqual({
        configured: true,
        appId: teams.appId,
        tenantId: teams.tenantId,
        endpoint: '/api/messages',
        approversConversation: true,
      });
    });

    it('calls neither Slack nor Microsoft to say so', async () => {
      slack.clearCalls();
      teams.clearCalls();
      const tokensBefore = teams.tokenRequests();
      await connectorStatus(t);
      expect(slack.calls()).toEqual([]);
      expect(teams.calls()).toEqual([]);
      expect(teams.tokenRequests()).toBe(tokensBefore);
    });

    it('no secret appears anywhere in the answer', async () => {
      const { text } = await connectorStatus(t);
      for (const secret of [slack.botToken, SIGNING_SECRET, teams.appPassword]) expect(text).not.toContain(secret);
      // The conversation id is configuration nobody needs to read here: only whether it is set.
      expect(text).not.toContain(APPROVERS_CONVERSATION);
    });
  });

  describe('without Slack and Teams', () => {
    let t: TestContext;

    beforeAll(async () => {
      t = await startTestContext(dialect);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('says both are not configured', async () => {
      const { body } = await connectorStatus(t);
      expect(body.slack).toEqual({ configured: false, mode: null, connected: null, error: null, summary: null });
      expect(body.teams).toEqual({ configured: false, appId: null, tenantId: null, endpoint: null, approversConversation: false });
    });
  });

  describe('with Teams but no approvers’ conversation', () => {
    let t: TestContext;
    let teams: FakeTeams;

    beforeAll(async () => {
      teams = await startFakeTeams();
      t = await startTestContext(dialect, { env: teams.env() });
    });
    afterAll(async () => {
      await t?.close();
      await teams?.close();
    });

    it('says Teams is configured without the approvers’ conversation, and Slack is not configured', async () => {
      const { body, text } = await connectorStatus(t);
      expect(body.teams).toMatchObject({ configured: true, appId: teams.appId, approversConversation: false });
      expect(body.slack).toMatchObject({ configured: false });
      expect(text).not.toContain(teams.appPassword);
    });
  });
});
