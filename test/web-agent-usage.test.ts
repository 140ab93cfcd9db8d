import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAgentRun } from '../src/db/repositories/agent-run.repository.js';
import { appendAuditEvent } from '../src/db/repositories/audit.repository.js';
import { insertConversation } from '../src/db/repositories/conversation.repository.js';
import { newConversation } from '../src/domain/conversation.js';
import { expectAccessible, screenshot, signInThroughProvider, startBrowser, type TestBrowser } from './helpers/browser.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

/**
 * Chromium logs any failed load: the app's one /api/v1/me before sign-in (401) and its probe of
 * the demo mailbox, off here (404). Which loads failed is checked separately.
 */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];
const EXPECTED_FAILURES = new Set(['401 /api/v1/me', '404 /dev/mailbox']);

/**
 * The dashboard's "LLM agent" card in a real Chromium: absent while the agent has not run, then,
 * with runs recorded, the figures GET /api/v1/stats sums — runs, tokens in and out, p50/p95
 * latency, disagreements with the policy.
 */
describe('the LLM agent card on the dashboard', () => {
  let t: TestContext;
  let b: TestBrowser;

  beforeAll(async () => {
    t = await startTestContext('sqlite', {
      oidc: true,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
    });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** Four runs (one failed) on one request the agent disagreed with once and agreed with twice. */
  async function seedRuns(): Promise<void> {
    const db = t.app.ctx.db;
    const alice = await t.token('alice@example.com');
    const requestId = (await t.create(alice, { app: 'Jira', justification: 'seeded for the agent card' })).data!.request_id;
    const conversation = await insertConversation(db, {
      channel: 'slack',
      externalKey: 'D0CARD',
      requester: 'alice@example.com',
      state: newConversation(),
    });
    const runs: [number, number, number, boolean][] = [
      [400, 500, 200, false],
      [600, 700, 300, false],
      [800, 34, 67, false],
      [2000, 0, 0, true],
    ];
    for (const [latencyMs, promptTokens, completionTokens, failed] of runs) {
      await insertAgentRun(db, {
        conversationId: conversation.id,
        requestId,
        model: 'test-model',
        outcome: failed ? 'failed' : 'proposed',
        errorCode: failed ? 'LLM_UNAVAILABLE' : null,
        promptTokens,
        completionTokens,
        latencyMs,
        rejectedCalls: 0,
      });
    }
    for (const kind of ['agent_disagreement', 'agent_agreement', 'agent_agreement']) {
      await appendAuditEvent(db, { requestId, actor: 'resetdesk-agent', eventType: 'Message', details: { kind } });
    }
  }

  it('shows no agent card without runs, then the runs, tokens, latency and disagreements; accessible', async () => {
    const { page, consoleErrors } = await b.page();
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await signInThroughProvider(page, t.url, 'irene@example.com', '/dashboard');
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Dashboard' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('summary-card').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.getByTestId('agent-card').count()).toBe(0);
    expect(await page.getByText('LLM agent').count()).toBe(0);

    await seedRuns();
    await page.reload();
    const card = page.getByTestId('agent-card');
    await expect.poll(() => card.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByRole('heading', { level: 2, name: 'LLM agent' }).isVisible()).toBe(true);
    expect(await card.getByText('4 runs (1 failed) on 1 request in the last 30 days.').isVisible()).toBe(true);
    const figure = async (key: string) => (await card.getByTestId(`agent-${key}`).locator('dd').first().textContent())?.trim();
    expect(await figure('runs')).toBe('4');
    expect(await figure('tokens')).toBe('1,234 / 567');
    // p50 between 600 and 800 ms; p95 800 + 0.85 × 1200 ms.
    expect(await figure('latency')).toBe('700 ms / 1.8 s');
    expect(await figure('disagreements')).toBe('1');
    expect(await card.getByText('2 agreed').isVisible()).toBe(true);

    await expectAccessible(page, 'dashboard with the agent card');
    await screenshot(page, 'dashboard-agent');
    // At phone width the figures stack; nothing scrolls sideways.
    await page.setViewportSize({ width: 360, height: 800 });
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await screenshot(page, 'dashboard-agent');
    expect(consoleErrors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))).toEqual([]);
    expect(failed.filter((f) => !EXPECTED_FAILURES.has(f))).toEqual([]);
    await page.close();
  }, 60_000);
});
