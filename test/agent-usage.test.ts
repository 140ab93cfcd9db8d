import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAgentRun, listAgentRunsForRequest } from '../src/db/repositories/agent-run.repository.js';
import { appendAuditEvent } from '../src/db/repositories/audit.repository.js';
import { insertConversation } from '../src/db/repositories/conversation.repository.js';
import { newConversation } from '../src/domain/conversation.js';
import { receiveChatMessage } from '../src/services/conversation.service.js';
import { DIALECTS } from './helpers/databases.js';
import { defaultUsage, type FakeLlm, startFakeLlm } from './helpers/fake-llm.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const DAY = 24 * 3_600_000;
/** A message the catalog cannot place: the agent runs on it. */
const VAGUE = "the thing where I file my travel costs won't let me in, receipts due friday";

const propose = (args: Record<string, unknown>) => ({ name: 'propose_decision', arguments: JSON.stringify(args) });

/** GET /api/v1/stats's `agent` block, read as raw JSON (the typed client is regenerated later). */
interface AgentBlock {
  runs: number;
  failedRuns: number;
  promptTokens: number;
  completionTokens: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  requests: number;
  agreements: number;
  disagreements: number;
}

/**
 * The LLM agent's usage: every run is recorded (a proposal, none, a failed call) with the tokens
 * the provider reported and its latency, linked to the request once the conversation files one;
 * GET /api/v1/stats sums them over the window, and the request's detail shows them to reviewers only.
 */
describe.each(DIALECTS)('LLM agent usage on %s', (dialect) => {
  let t: TestContext;
  let llm: FakeLlm;
  let alice: string;
  let admin: string;
  let approver: string;
  let keys = 0;

  const say = (key: string, text: string) =>
    receiveChatMessage(t.app.ctx, { channel: 'slack', key, requester: 'alice@example.com', author: 'alice', text });
  const choose = (key: string, choice: string) =>
    receiveChatMessage(t.app.ctx, { channel: 'slack', key, requester: 'alice@example.com', author: 'alice', choice });
  const runsOf = (conversationKey: string) =>
    t.app.ctx.db
      .selectFrom('agent_runs')
      .innerJoin('conversations', 'conversations.id', 'agent_runs.conversation_id')
      .selectAll('agent_runs')
      .where('conversations.external_key', '=', conversationKey)
      .orderBy('agent_runs.created_at')
      .execute();

  async function agentStats(days = 30): Promise<AgentBlock> {
    const res = await t.raw('GET', `/api/v1/stats?days=${days}`, { token: admin });
    expect(res.status).toBe(200);
    return (res.body as { agent: AgentBlock }).agent;
  }
  async function requestJson(id: string, token: string): Promise<Record<string, unknown>> {
    const res = await t.raw('GET', `/api/v1/requests/${id}`, { token });
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  }

  beforeAll(async () => {
    llm = await startFakeLlm();
    t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: { LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: llm.apiKey, LLM_MODEL: 'test-model', DUPLICATE_REQUESTS: 'allow' },
    });
    alice = await t.token('alice@example.com');
    admin = await t.token('root@example.com', 'admin');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });
  beforeEach(async () => {
    await t.idle();
    llm.reset();
  });

  // First in the file: the window holds exactly the seeded runs.
  it('without runs the agent block is all zeros; a known set of runs gives exact sums and percentiles per window', async () => {
    expect(await agentStats()).toEqual({
      runs: 0,
      failedRuns: 0,
      promptTokens: 0,
      completionTokens: 0,
      latencyP50Ms: null,
      latencyP95Ms: null,
      requests: 0,
      agreements: 0,
      disagreements: 0,
    });
    const db = t.app.ctx.db;
    const conversation = await insertConversation(db, {
      channel: 'slack',
      externalKey: 'seeded',
      requester: 'alice@example.com',
      state: newConversation(),
    });
    const first = (await t.create(alice, { app: 'Expensify', justification: 'seeded one' })).data!.request_id;
    const second = (await t.create(alice, { app: 'Jira', justification: 'seeded two' })).data!.request_id;
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const run = (latencyMs: number, tokens: [number, number], over: { requestId?: string; failed?: boolean; createdAt?: string } = {}) =>
      insertAgentRun(db, {
        conversationId: conversation.id,
        requestId: over.requestId ?? null,
        model: 'test-model',
        outcome: over.failed ? 'failed' : 'proposed',
        errorCode: over.failed ? 'LLM_UNAVAILABLE' : null,
        promptTokens: tokens[0],
        completionTokens: tokens[1],
        latencyMs,
        rejectedCalls: 0,
        createdAt: over.createdAt ?? at(60_000),
      });
    await run(300, [100, 10], { requestId: first });
    await run(100, [200, 20], { requestId: first });
    await run(1000, [0, 0], { failed: true });
    await run(400, [300, 30], { requestId: second });
    await run(200, [400, 40]);
    // Ten days ago: in the 30-day window, not in the 7-day one.
    await run(50, [1000, 100], { requestId: second, createdAt: at(10 * DAY) });
    const comparison = (requestId: string, kind: string) =>
      appendAuditEvent(db, { requestId, actor: 'resetdesk-agent', eventType: 'Message', details: { kind } });
    await comparison(first, 'agent_agreement');
    await comparison(second, 'agent_disagreement');
    await comparison(second, 'agent_proposal');

    // 7 days: latencies 100 200 300 400 1000 → p50 300, p95 400 + 0.8 × 600.
    expect(await agentStats(7)).toEqual({
      runs: 5,
      failedRuns: 1,
      promptTokens: 1000,
      completionTokens: 100,
      latencyP50Ms: 300,
      latencyP95Ms: 880,
      requests: 2,
      agreements: 1,
      disagreements: 1,
    });
    // 30 days: 50 too → p50 between 200 and 300, p95 400 + 0.75 × 600.
    expect(await agentStats(30)).toMatchObject({
      runs: 6,
      failedRuns: 1,
      promptTokens: 2000,
      completionTokens: 200,
      latencyP50Ms: 250,
      latencyP95Ms: 850,
      requests: 2,
    });
    // The request's detail: the sums of its own runs.
    expect((await requestJson(second, admin)).agentUsage).toEqual({
      runs: 2,
      failedRuns: 0,
      promptTokens: 1300,
      completionTokens: 130,
      latencyMs: 450,
      rejectedCalls: 0,
      models: ['test-model'],
    });
  }, 60_000);

  it("records a proposing run with the model's usage, links it when the conversation files, and shows it to reviewers only", async () => {
    const before = await agentStats();
    llm.script(
      { toolCalls: [{ name: 'list_catalog_apps', arguments: '{}' }], usage: { prompt_tokens: 111, completion_tokens: 7 } },
      {
        toolCalls: [propose({ app: 'Expensify', justification: 'receipts due friday', decision: 'escalate', reason: 'unsure' })],
        usage: { prompt_tokens: 222, completion_tokens: 33 },
      },
    );
    const key = `T1/C1/${++keys}`;
    const asked = await say(key, VAGUE);
    expect(asked.requestId).toBeNull();
    expect(asked.replies[0]?.text).toBe('Did you mean Expensify?');
    const [recorded] = await runsOf(key);
    expect(recorded).toMatchObject({
      model: 'test-model',
      outcome: 'proposed',
      error_code: null,
      request_id: null,
      rejected_calls: 0,
    });
    expect([Number(recorded?.prompt_tokens), Number(recorded?.completion_tokens)]).toEqual([333, 40]);
    expect(Number(recorded?.latency_ms)).toBeGreaterThanOrEqual(0);

    const filed = await choose(key, 'Expensify');
    const id = filed.requestId!;
    expect(id).toBeTruthy();
    const runs = await listAgentRunsForRequest(t.app.ctx.db, id);
    expect(runs.map((r) => [r.id, r.requestId])).toEqual([[recorded?.id, id]]);

    // The policy decides (a self-service link once the push is approved): the agent said escalate.
    await t.waitForStatus(id, alice, ['Verifying']);
    const push = t.sandbox
      .pendingPushes()
      .filter((p) => p.userId === USERS.alice)
      .at(-1);
    t.sandbox.answerPush(push!.transactionId, 'approve');
    expect(await t.waitForStatus(id, alice, ['Closed'])).toMatchObject({ resolution: 'Completed' });

    const usage = { runs: 1, failedRuns: 0, promptTokens: 333, completionTokens: 40, rejectedCalls: 0, models: ['test-model'] };
    expect((await requestJson(id, admin)).agentUsage).toMatchObject(usage);
    expect((await requestJson(id, approver)).agentUsage).toMatchObject(usage);
    // The requester sees the request, not what the model cost.
    const own = await requestJson(id, alice);
    expect(own.request_id).toBe(id);
    expect(own).not.toHaveProperty('agentUsage');
    const denied = await t.raw('GET', '/api/v1/stats', { token: alice });
    expect([denied.status, errorOf(denied)?.code]).toEqual([403, 'FORBIDDEN']);

    const after = await agentStats();
    expect({
      runs: after.runs - before.runs,
      promptTokens: after.promptTokens - before.promptTokens,
      completionTokens: after.completionTokens - before.completionTokens,
      requests: after.requests - before.requests,
      agreements: after.agreements - before.agreements,
      disagreements: after.disagreements - before.disagreements,
      failedRuns: after.failedRuns - before.failedRuns,
    }).toEqual({ runs: 1, promptTokens: 333, completionTokens: 40, requests: 1, agreements: 0, disagreements: 1, failedRuns: 0 });
  }, 60_000);

  it('records a model that is down (500) as a failed run, and a malformed answer as failed or refused', async () => {
    const before = await agentStats();
    llm.script({ status: 500, body: { error: { message: 'overloaded' } } });
    const down = `T1/C2/${++keys}`;
    expect((await say(down, VAGUE)).replies[0]?.text).toBe("Which app's password should be reset?");
    expect(await runsOf(down)).toMatchObject([
      { outcome: 'failed', error_code: 'LLM_UNAVAILABLE', request_id: null, model: 'test-model', rejected_calls: 0 },
    ]);

    // Not a chat completion at all: the connector refuses it.
    llm.script({ status: 200, body: { choices: 'nope' } });
    const garbled = `T1/C3/${++keys}`;
    expect((await say(garbled, VAGUE)).replies[0]?.text).toBe("Which app's password should be reset?");
    expect(await runsOf(garbled)).toMatchObject([{ outcome: 'failed', error_code: 'LLM_ERROR' }]);

    // A completion whose tool call is not JSON: refused, the run ends with a question, billed as
    // reported — the fake's default usage, different for each of its answers.
    llm.reset();
    llm.script({ toolCalls: [{ name: 'propose_decision', arguments: '{"app": ' }] }, { content: 'Which app do you mean?' });
    const [one, two] = [defaultUsage(1), defaultUsage(2)];
    const billed = [one.prompt_tokens + two.prompt_tokens, one.completion_tokens + two.completion_tokens];
    const malformed = `T1/C4/${++keys}`;
    expect((await say(malformed, VAGUE)).replies[0]?.text).toBe("Which app's password should be reset?");
    const [refused] = await runsOf(malformed);
    expect(refused).toMatchObject({ outcome: 'no_proposal', error_code: null });
    expect([Number(refused?.rejected_calls), Number(refused?.prompt_tokens), Number(refused?.completion_tokens)]).toEqual([1, ...billed]);

    const after = await agentStats();
    expect([after.runs - before.runs, after.failedRuns - before.failedRuns, after.promptTokens - before.promptTokens]).toEqual([
      3,
      2,
      billed[0],
    ]);
    // Nothing was filed: no request has these runs.
    expect(after.requests).toBe(before.requests);
  }, 60_000);
});
