import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRow } from '../src/db/schema.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A request row as the database holds it, with exact timestamps (the dashboard reads only these columns). */
function requestRow(id: string, over: Partial<RequestRow> & Pick<RequestRow, 'app' | 'status' | 'created_at'>): RequestRow {
  return {
    id: `req_stats${id.padStart(6, '0')}`,
    requester: 'alice@example.com',
    justification: 'stats',
    target_user: null,
    channel: 'api',
    submitted_by: 'alice@example.com',
    resolution: null,
    priority: 'Low',
    decision: null,
    rationale: null,
    rule_id: null,
    policy_version: null,
    reset_method: null,
    okta_user_id: null,
    okta_app_id: null,
    manual_decision: null,
    decided_by: null,
    decision_comment: null,
    next_owner: null,
    updated_at: over.created_at,
    decided_at: null,
    closed_at: null,
    question: null,
    question_reason: null,
    question_candidates_json: null,
    question_asked_by: null,
    question_asked_at: null,
    question_id: null,
    question_rounds: 0,
    return_group: null,
    app_key: over.app.toLowerCase(),
    verification_level: 'none',
    verified_at: null,
    verification_json: null,
    challenge_id: null,
    reset_confirmed_at: null,
    incident_number: null,
    incident_sys_id: null,
    incident_url: null,
    store: null,
    external_result_at: null,
    external_message: null,
    ...over,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)('GET /api/v1/stats on %s', (dialect) => {
  let t: TestContext;
  let approver: string;
  let rows: RequestRow[];

  beforeAll(async () => {
    t = await startTestContext(dialect);
    approver = await t.token('irene@example.com', 'approver');
    const now = Date.now();
    const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
    // Past days at fixed hours, so the day a row counts on never depends on when the test runs.
    const at = (daysAgo: number, hour: number, plusSeconds = 0) => iso(today - daysAgo * DAY + hour * HOUR + plusSeconds * 1000);
    const closed = (resolution: string, created: string, seconds: number) => ({
      status: 'Closed',
      resolution,
      created_at: created,
      decided_at: created,
      closed_at: iso(Date.parse(created) + seconds * 1000),
    });
    rows = [
      // Resolved by the policy alone: 60 s, 120 s, 30 s, 90 s.
      requestRow('1', { app: 'Expensify', rule_id: 'swa_self_service', ...closed('Completed', at(1, 1), 60) }),
      requestRow('2', { app: 'Expensify', rule_id: 'swa_self_service', ...closed('Completed', at(1, 2), 120) }),
      requestRow('3', { app: 'Nope', rule_id: 'app_not_in_catalog', ...closed('Rejected', at(2, 1), 30) }),
      requestRow('4', { app: 'Expensify', rule_id: 'third_party', ...closed('Rejected', at(2, 3), 90) }),
      // Decided by an approver: denied (closed after 3700 s), approved (Completed, decided after 7200 s, not closed yet).
      requestRow('5', {
        app: 'Salesforce',
        rule_id: 'sso_requires_approval',
        manual_decision: 'Denied',
        ...closed('Rejected', at(3, 1), 3700),
        decided_at: at(3, 1, 3600),
      }),
      requestRow('6', {
        app: 'Salesforce',
        rule_id: 'sso_requires_approval',
        manual_decision: 'Approved',
        status: 'Completed',
        created_at: at(3, 5),
        decided_at: at(3, 5, 7200),
      }),
      requestRow('7', {
        app: 'Workday',
        rule_id: 'external_store',
        status: 'PendingExternal',
        created_at: at(4, 1),
        decided_at: at(4, 1, 5),
      }),
      // Waiting for an approver: 2 h, 10 h, 2 days, 5 days (in the window) and 40 days (before it).
      requestRow('8', { app: 'Salesforce', status: 'Escalated', created_at: iso(now - 2 * HOUR - 5000), decided_at: iso(now - 2 * HOUR) }),
      requestRow('9', {
        app: 'Salesforce',
        status: 'Escalated',
        created_at: iso(now - 10 * HOUR - 5000),
        decided_at: iso(now - 10 * HOUR),
      }),
      requestRow('10', { app: 'Salesforce', status: 'Escalated', created_at: iso(now - 2 * DAY - 5000), decided_at: iso(now - 2 * DAY) }),
      requestRow('11', { app: 'Salesforce', status: 'Escalated', created_at: iso(now - 5 * DAY - 5000), decided_at: iso(now - 5 * DAY) }),
      requestRow('12', { app: 'Salesforce', status: 'Escalated', created_at: iso(now - 40 * DAY), decided_at: iso(now - 40 * DAY) }),
      requestRow('13', { app: 'Slack', ...closed('Cancelled', at(5, 1), 10) }),
      // Before the 7-day window: not counted.
      requestRow('14', { app: 'Expensify', rule_id: 'swa_self_service', ...closed('Completed', at(10, 1), 5) }),
    ];
    await t.app.ctx.db.insertInto('password_requests').values(rows).execute();
  });
  afterAll(async () => t?.close());

  it('counts the window in the database: outcomes per day, automation, time to resolution, escalations, apps, rules, cost', async () => {
    const { data, error } = await t.client(approver).GET('/api/v1/stats', { params: { query: { days: 7 } } });
    expect(error).toBeUndefined();
    const stats = data!;
    expect(stats.days).toBe(7);
    expect(stats.requests).toBe(12);
    expect(stats.automatic).toBe(4);
    expect(stats.automaticShare).toBeCloseTo(4 / 12, 10);
    // Finished: 30, 60, 90, 120, 3700, 7200 s → median (90 + 120) / 2, p90 between 3700 and 7200.
    expect(stats.timeToResolution).toEqual({ resolved: 6, medianSeconds: 105, p90Seconds: 5450 });
    expect(stats.openEscalations).toEqual([
      { bucket: 'under4h', count: 1 },
      { bucket: 'h4to24', count: 1 },
      { bucket: 'd1to3', count: 1 },
      { bucket: 'over3d', count: 2 },
    ]);
    expect(stats.topApps).toEqual([
      { app: 'Salesforce', count: 6 },
      { app: 'Expensify', count: 3 },
      { app: 'Nope', count: 1 },
      { app: 'Slack', count: 1 },
      { app: 'Workday', count: 1 },
    ]);
    expect(stats.denialsByRule).toEqual([
      { ruleId: 'app_not_in_catalog', count: 1 },
      { ruleId: 'sso_requires_approval', count: 1 },
      { ruleId: 'third_party', count: 1 },
    ]);
    // 4 automatic resolutions × (70 − 2), the default estimates.
    expect(stats.costAvoided).toEqual({ amount: 272, helpDeskResetCost: 70, selfServiceResetCost: 2 });

    // Seven days, oldest first, ending today; each row counted on its UTC day under its outcome.
    expect(stats.perDay).toHaveLength(7);
    expect(stats.perDay.at(-1)?.date).toBe(new Date().toISOString().slice(0, 10));
    const outcomeOf: Record<string, string> = {
      '1': 'Completed',
      '2': 'Completed',
      '3': 'Rejected',
      '4': 'Rejected',
      '5': 'Rejected',
      '6': 'Completed',
      '7': 'PendingExternal',
      '8': 'Escalated',
      '9': 'Escalated',
      '10': 'Escalated',
      '11': 'Escalated',
      '13': 'Other',
    };
    const expected = new Map<string, Record<string, number>>();
    for (const [n, outcome] of Object.entries(outcomeOf)) {
      const row = rows.find((r) => r.id === `req_stats${n.padStart(6, '0')}`)!;
      const day = expected.get(row.created_at.slice(0, 10)) ?? { Completed: 0, Rejected: 0, Escalated: 0, PendingExternal: 0, Other: 0 };
      day[outcome] = (day[outcome] ?? 0) + 1;
      expected.set(row.created_at.slice(0, 10), day);
    }
    for (const day of stats.perDay) {
      const { date, ...counts } = day;
      expect(counts, date).toEqual(expected.get(date) ?? { Completed: 0, Rejected: 0, Escalated: 0, PendingExternal: 0, Other: 0 });
    }
    expect(stats.perDay.reduce((sum, d) => sum + d.Completed + d.Rejected + d.Escalated + d.PendingExternal + d.Other, 0)).toBe(12);
  });

  it('defaults to 30 days, where the older request counts too', async () => {
    const { data } = await t.client(approver).GET('/api/v1/stats');
    expect(data?.days).toBe(30);
    expect(data?.perDay).toHaveLength(30);
    expect(data?.requests).toBe(13);
    expect(data?.automatic).toBe(5);
    expect(data?.costAvoided.amount).toBe(340);
  });

  it('refuses a window outside 1–365 days', async () => {
    for (const days of ['0', '366', 'x']) {
      const res = await t.raw('GET', `/api/v1/stats?days=${days}`, { token: approver });
      expect(res.status, days).toBe(400);
      expect(errorOf(res)?.code).toBe('VALIDATION_FAILED');
    }
  });

  it('is for approvers and admins only', async () => {
    const res = await t.raw('GET', '/api/v1/stats', { token: await t.token('alice@example.com') });
    expect(res.status).toBe(403);
    expect(errorOf(res)?.code).toBe('FORBIDDEN');
  });
});
