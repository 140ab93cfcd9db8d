import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/bench/seeded-random.js';
import type { ReceivedMail } from '../src/connectors/smtp/index.js';
import { RULE_IDS } from '../src/domain/decision.js';
import type { components } from '../src/http/api-types.js';
import type { SandboxCall } from '../src/okta-sandbox/index.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, USERS } from './helpers/test-org.js';

/**
 * A scenario run: 50 mixed requests, submitted concurrently over the HTTP API against the Okta
 * sandbox, then the escalations an approver decides. Every request must end in the right status
 * with the right rule, the right emails (and no others) and the right Okta calls.
 *
 * Okta calls are counted two ways:
 * - `oktaCalls`: the Okta operations resetdesk made for the request, i.e. its `Tool Call` audit
 *   events (okta.findUser, the five detail checks, okta.resetPassword and, after it,
 *   okta.clearUserSessions; the System Log watch reads later than this run lasts).
 * - `oktaHttp`: the HTTP requests the sandbox received because of this request alone. It differs
 *   from `oktaCalls` in two ways that are the connector's design: findUser asks by login and then
 *   by email (2 requests when the login matches nobody), and getApp answers from a per-app cache,
 *   so `GET /api/v1/apps/{id}` reaches the sandbox once per app for the whole run, not per request.
 *   `oktaHttp` therefore leaves getApp out; it is cross-checked separately.
 */

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'grace' | 'heidi' | 'zed' | 'dup';

interface Case {
  label: string;
  who: Who;
  app: string;
  targetUser?: string;
  expect: {
    finalStatus: 'Closed' | 'Escalated' | 'PendingExternal';
    resolution?: 'Completed' | 'Rejected';
    ruleId: (typeof RULE_IDS)[number];
    /** Subjects of every email sent for this request, in order. */
    emails: string[];
    /** Tool Call audit events (Okta operations) for this request. */
    oktaCalls: number;
    /** HTTP requests the sandbox received for this request, getApp (cached per app) left out. */
    oktaHttp: number;
    /** What the approver does once triage is over; absent = the escalation stays open. */
    approve?: 'approve' | 'deny';
    /** An Okta reset_password is expected (approved federated SSO). */
    oktaReset?: boolean;
  };
}

const waiting = (app: string) => `${app} password reset: waiting for approval`;
const declined = (app: string) => `${app} password reset: declined`;

/** One case per policy branch (or more); the decided escalations come after position 9, so each runs twice: 8 decisions. */
// biome-ignore format: one row per line reads as a table
const CASES: Case[] = [
  // 0–9 run three times in 50, the rest twice.
  { label: 'SWA self-service', who: 'alice', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service', emails: ['Expensify password reset'], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'third party', who: 'alice', app: 'Expensify', targetUser: 'bob@example.com', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'third_party', emails: [declined('Expensify')], oktaCalls: 0, oktaHttp: 0 } },
  { label: 'catalog miss', who: 'bob', app: 'Timesheets', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'app_not_in_catalog', emails: [declined('Timesheets')], oktaCalls: 0, oktaHttp: 0 } },
  { label: 'unknown user', who: 'zed', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'user_not_found', emails: [declined('Expensify')], oktaCalls: 1, oktaHttp: 2 } },
  { label: 'ambiguous user', who: 'dup', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'user_ambiguous', emails: [declined('Expensify')], oktaCalls: 1, oktaHttp: 2 } },
  { label: 'suspended', who: 'erin', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'user_status', emails: [declined('Expensify')], oktaCalls: 1, oktaHttp: 1 } },
  { label: 'locked-out user, SWA, no unlock by policy', who: 'grace', app: 'Expensify', expect: { finalStatus: 'Escalated', ruleId: 'locked_out', emails: [waiting('Expensify')], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'SSO, left for approval', who: 'grace', app: 'Salesforce', expect: { finalStatus: 'Escalated', ruleId: 'sso_requires_approval', emails: [waiting('Salesforce')], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'deprovisioned', who: 'heidi', app: 'Salesforce', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'user_status', emails: [declined('Salesforce')], oktaCalls: 1, oktaHttp: 1 } },
  { label: 'not assigned', who: 'bob', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'not_assigned', emails: [declined('Expensify')], oktaCalls: 6, oktaHttp: 5 } },
  // 10–19 run twice.
  { label: 'app not in Okta', who: 'alice', app: 'Ghost', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'app_not_in_okta', emails: [declined('Ghost')], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'catalog app without Okta id', who: 'carol', app: 'NoLink', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'app_not_linked_to_okta', emails: [declined('NoLink')], oktaCalls: 0, oktaHttp: 0 } },
  { label: 'admin role, left for approval', who: 'carol', app: 'Expensify', expect: { finalStatus: 'Escalated', ruleId: 'privileged_user', emails: [waiting('Expensify')], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'privileged group, SSO, approved', who: 'dave', app: 'Salesforce', expect: { finalStatus: 'Closed', resolution: 'Completed', ruleId: 'privileged_user', emails: [waiting('Salesforce'), 'Salesforce password reset: approved'], oktaCalls: 8, oktaHttp: 7, approve: 'approve', oktaReset: true } },
  { label: 'sensitive app, denied', who: 'alice', app: 'AWS Console', expect: { finalStatus: 'Closed', resolution: 'Rejected', ruleId: 'sensitive_app', emails: [waiting('AWS Console'), 'AWS Console password reset: declined by an approver'], oktaCalls: 6, oktaHttp: 5, approve: 'deny' } },
  { label: 'no MFA, SWA, approved', who: 'frank', app: 'Expensify', expect: { finalStatus: 'Closed', resolution: 'Completed', ruleId: 'mfa_missing', emails: [waiting('Expensify'), 'Expensify password reset'], oktaCalls: 6, oktaHttp: 5, approve: 'approve' } },
  { label: 'SSO, approved', who: 'alice', app: 'Salesforce', expect: { finalStatus: 'Closed', resolution: 'Completed', ruleId: 'sso_requires_approval', emails: [waiting('Salesforce'), 'Salesforce password reset: approved'], oktaCalls: 8, oktaHttp: 7, approve: 'approve', oktaReset: true } },
  { label: 'external store', who: 'alice', app: 'Mainframe', expect: { finalStatus: 'PendingExternal', ruleId: 'external_store', emails: ['Mainframe password reset: in progress'], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'bookmark app', who: 'bob', app: 'Intranet', expect: { finalStatus: 'Escalated', ruleId: 'unknown_sign_on_mode', emails: [waiting('Intranet')], oktaCalls: 6, oktaHttp: 5 } },
  { label: 'SWA without reset URL', who: 'alice', app: 'Payroll', expect: { finalStatus: 'Escalated', ruleId: 'swa_no_reset_url', emails: [waiting('Payroll')], oktaCalls: 6, oktaHttp: 5 } },
];

const N = 50;
const APPROVER = 'irene@example.com';

/** 50 requests drawn round-robin from CASES, then shuffled with a fixed seed. */
function scenario(): Case[] {
  const list = Array.from({ length: N }, (_, i) => CASES[i % CASES.length]!);
  const rand = seededRandom(20261123);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const emailOf = (who: Who) => `${who}@example.com`;

/** Who is emailed when a request for `app` is escalated: the active members of its approver group, but the requester. */
function approversNotified(c: Case): string[] {
  if (c.expect.emails[0] !== waiting(c.app)) return [];
  // Salesforce → crm-owners, AWS Console → cloud-owners (irene and lena); the rest → "IT Approvers" (also carol).
  const members = ['Salesforce', 'AWS Console'].includes(c.app)
    ? ['irene@example.com', 'lena.mail@example.com']
    : ['carol@example.com', 'irene@example.com', 'lena.mail@example.com'];
  return members.filter((m) => m !== emailOf(c.who));
}
const requestIdIn = (mail: ReceivedMail) => /^Request: (\S+)/m.exec(mail.text)?.[1];

/** Resolving an approver group (cached per group): not a call for one request. */
const isDirectoryCall = (c: SandboxCall) => c.path.startsWith('/api/v1/groups');

/** Which requester a sandbox call was made for: by the lookup filter or by the user id in the path. */
function requesterOf(call: SandboxCall): string | 'getApp' {
  if (call.method === 'GET' && /^\/api\/v1\/apps\/[^/]+$/.test(call.path)) return 'getApp';
  if (call.path === '/api/v1/users') {
    const m = /^profile\.(?:login|email) eq "(.*)"$/.exec(call.query.filter ?? '');
    if (!m?.[1]) throw new Error(`unexpected user listing ${JSON.stringify(call.query)}`);
    return m[1];
  }
  const userId = /\/users\/([^/]+)/.exec(call.path)?.[1];
  const key = Object.entries(USERS).find(([, id]) => id === userId)?.[0];
  if (!key) throw new Error(`cannot attribute sandbox call ${call.method} ${call.path}`);
  return `${key}@example.com`;
}

describe.each(DIALECTS)('scenario run on %s', (dialect) => {
  let t: TestContext;

  beforeAll(async () => {
    // A load scenario: a few test users file far more at once than the per-person limits allow
    // (those are tested in test/security-limits.test.ts).
    t = await startTestContext(dialect, {
      env: { OPEN_REQUESTS_PER_PERSON: '0', REQUESTS_PER_PERSON_PER_HOUR: '0', DUPLICATE_REQUESTS: 'allow' },
      // No automatic unlock: the locked-out user's concurrent requests are all decided on the same
      // status (an unlock by the first would change what the others see), and locked_out is covered.
      policy: { ...NO_COOLDOWN, unlock: { allowed: false } },
    });
  });
  afterAll(async () => t?.close());

  it('the case table covers every rule, and ~8 escalations are decided', () => {
    // The rules of configured credential stores need a STORES_FILE and a directory or an executor:
    // test/directory-store.test.ts and test/external-store.test.ts run them end to end.
    const storeRules = new Set(['directory_store', 'store_not_configured']);
    expect(new Set(CASES.map((c) => c.expect.ruleId))).toEqual(new Set(RULE_IDS.filter((r) => !storeRules.has(r))));
    const decided = scenario().filter((c) => c.expect.approve);
    expect(decided.length).toBe(8);
    expect(decided.filter((c) => c.expect.approve === 'deny').length).toBe(2);
  });

  it('a scenario run of 50 mixed requests against the sandbox ends every request in the right status with the right emails and Okta calls', async () => {
    const plan = scenario();
    const tokens = new Map<string, string>();
    for (const who of new Set(plan.map((c) => c.who))) tokens.set(who, await t.token(emailOf(who)));
    const approver = await t.token(APPROVER, 'approver');
    await t.idle(60_000);
    t.sandbox.clearCalls();
    t.mailbox.clear();

    // 1. All 50 at once, over HTTP.
    const created = await Promise.all(
      plan.map(async (c) => {
        const body = { app: c.app, justification: `scenario: ${c.label}`, ...(c.targetUser ? { targetUser: c.targetUser } : {}) };
        const res = await t.create(tokens.get(c.who)!, body);
        expect(res.status, JSON.stringify(res.error)).toBe(201);
        return { c, id: res.data!.request_id };
      }),
    );
    expect(new Set(created.map((r) => r.id)).size).toBe(N);
    await t.idle(60_000);

    // 2. Triage is over: every escalation waits; the approver decides those the table says to.
    const decisions = await Promise.all(
      created.map(async ({ c, id }) => {
        const r = await t.request(id, approver);
        expect(r.ruleId, `${c.label} (${id}) after triage`).toBe(c.expect.ruleId);
        if (!c.expect.approve) return null;
        expect(r.status, `${c.label} (${id}) after triage`).toBe('Escalated');
        const res = await t.decide(id, approver, c.expect.approve, { comment: 'scenario' });
        expect(res.status, JSON.stringify(res.error)).toBe(200);
        return id;
      }),
    );
    expect(decisions.filter(Boolean).length).toBe(plan.filter((c) => c.expect.approve).length);
    await t.idle(60_000);

    // 3. Per request: status, rule, emails, Okta calls.
    const mails = t.mailbox.messages();
    // Before deciding, resetdesk looks up the approver's own Okta user (separation of duties),
    // once for the whole run thanks to its cache; every other call belongs to a request.
    const isApproverLookup = (c: SandboxCall) => c.path === '/api/v1/users' && requesterOf(c) === APPROVER;
    expect(t.sandbox.calls().filter(isApproverLookup)).toHaveLength(1);
    // Approver groups are resolved to notify their members and check who may decide: at most once
    // per group for the run (the connector caches them), never per request.
    const directory = t.sandbox.calls().filter(isDirectoryCall);
    expect(directory.every((c) => c.method === 'GET' && c.status === 200)).toBe(true);
    const searches = directory.filter((c) => c.path === '/api/v1/groups').map((c) => c.query.search);
    expect(new Set(searches).size).toBe(searches.length);
    expect(new Set(searches)).toEqual(new Set(['crm-owners', 'cloud-owners', 'IT Approvers'].map((g) => `profile.name eq "${g}"`)));
    const memberLists = directory.filter((c) => c.path !== '/api/v1/groups').map((c) => c.path);
    expect(new Set(memberLists).size).toBe(memberLists.length);
    expect(memberLists).toHaveLength(3);
    const calls = t.sandbox.calls().filter((c) => !isApproverLookup(c) && !isDirectoryCall(c));
    const toolCallsByRequest = new Map<string, components['schemas']['AuditEvent'][]>();
    for (const { c, id } of created) {
      const what = `${c.label} (${c.who} + ${c.app}, ${id})`;
      const r = await t.request(id, tokens.get(c.who)!);
      expect(r.status, what).toBe(c.expect.finalStatus);
      expect(r.ruleId, what).toBe(c.expect.ruleId);
      if (c.expect.finalStatus === 'Closed') expect(r.resolution, what).toBe(c.expect.resolution);
      if (c.expect.approve) {
        expect(r.manualDecision, what).toBe(c.expect.approve === 'approve' ? 'Approved' : 'Denied');
        expect(r.decidedBy, what).toBe(APPROVER);
      }

      const forRequest = mails.filter((m) => requestIdIn(m) === id);
      const mine = forRequest.filter((m) => !m.subject.endsWith('approval needed'));
      expect(
        mine.map((m) => m.subject),
        what,
      ).toEqual(c.expect.emails);
      for (const m of mine) expect(m.to, what).toEqual([emailOf(c.who)]);
      // Each escalation: one notice to each active member of the approver group, none to anyone else.
      const notices = forRequest.filter((m) => m.subject.endsWith('approval needed'));
      expect(notices.flatMap((m) => m.to).sort(), what).toEqual(approversNotified(c).sort());
      for (const m of notices) expect(m.subject, what).toBe(`${c.app} password reset for ${emailOf(c.who)}: approval needed`);

      const events = await t.events(id, approver);
      const toolCalls = events.filter((e) => e.eventType === 'Tool Call');
      toolCallsByRequest.set(id, toolCalls);
      expect(toolCalls.length, `${what}: ${toolCalls.map((e) => e.details.tool).join(', ')}`).toBe(c.expect.oktaCalls);
      for (const e of toolCalls) expect(e.details.ok, what).toBe(true);
      expect(toolCalls.filter((e) => e.details.tool === 'okta.resetPassword').length, what).toBe(c.expect.oktaReset ? 1 : 0);
    }

    // 4. No email that belongs to no request.
    expect(mails.filter((m) => !created.some((r) => r.id === requestIdIn(m)))).toEqual([]);
    expect(mails.length).toBe(plan.reduce((n, c) => n + c.expect.emails.length + approversNotified(c).length, 0));

    // 5. Cross-check against what the sandbox received.
    expect(
      calls.every((c) => c.status === (c.method === 'DELETE' ? 204 : 200) || c.status === 404),
      'no 4xx/5xx other than 404 (no rate limiting); ending sessions answers 204',
    ).toBe(true);
    const allToolCalls = [...toolCallsByRequest.values()].flat();
    const getAppToolCalls = allToolCalls.filter((e) => e.details.tool === 'okta.getApp');
    const fallbackLookups = allToolCalls.filter(
      (e) => e.details.tool === 'okta.findUser' && (e.details.result as { kind?: string } | undefined)?.kind !== 'found',
    ).length;
    const getAppHttp = calls.filter((c) => requesterOf(c) === 'getApp');
    // getApp: once per app for the whole run (the connector's cache), for exactly the apps asked about.
    const appsAsked = new Set(getAppToolCalls.map((e) => (e.details.args as { appId: string }).appId));
    expect(getAppHttp.map((c) => c.path).sort()).toEqual([...appsAsked].map((a) => `/api/v1/apps/${a}`).sort());
    expect(appsAsked).toEqual(
      new Set([APPS.expensify, APPS.salesforce, APPS.aws, APPS.intranet, APPS.payroll, APPS.mainframe, APPS.ghost]),
    );
    // Sum over requests (audit log) = sandbox total.
    expect(allToolCalls.length - getAppToolCalls.length + fallbackLookups + getAppHttp.length).toBe(calls.length);
    // The table's per-request figures add up to the sandbox total too.
    expect(plan.reduce((n, c) => n + c.expect.oktaHttp, 0) + getAppHttp.length).toBe(calls.length);
    // Per requester: every other sandbox call is attributed by its lookup filter or user id.
    const expectedPerRequester = new Map<string, number>();
    for (const c of plan) expectedPerRequester.set(emailOf(c.who), (expectedPerRequester.get(emailOf(c.who)) ?? 0) + c.expect.oktaHttp);
    const seenPerRequester = new Map<string, number>();
    for (const call of calls) {
      const who = requesterOf(call);
      if (who !== 'getApp') seenPerRequester.set(who, (seenPerRequester.get(who) ?? 0) + 1);
    }
    for (const [who, n] of expectedPerRequester) expect(seenPerRequester.get(who) ?? 0, who).toBe(n);
    expect([...seenPerRequester.keys()].filter((w) => !expectedPerRequester.has(w))).toEqual([]);
    // Exactly one Okta reset per approved SSO request, for that request's user; none otherwise.
    const resets = calls.filter((c) => c.path.endsWith('/lifecycle/reset_password'));
    const approvedSso = created.filter(({ c }) => c.expect.oktaReset);
    expect(approvedSso.length).toBe(
      created.filter(({ c }) => c.expect.approve === 'approve' && ['Salesforce', 'AWS Console'].includes(c.app)).length,
    );
    expect(resets).toHaveLength(approvedSso.length);
    expect(resets.every((c) => c.method === 'POST' && c.query.sendEmail === 'true')).toBe(true);
    expect(resets.map((c) => c.path).sort()).toEqual(
      approvedSso.map(({ c }) => `/api/v1/users/${USERS[c.who as keyof typeof USERS]}/lifecycle/reset_password`).sort(),
    );
    // Third-party and catalog-miss requests: no Okta call at all.
    for (const { c, id } of created) {
      if (c.expect.ruleId === 'third_party' || c.expect.ruleId === 'app_not_in_catalog')
        expect(toolCallsByRequest.get(id), c.label).toEqual([]);
    }
  }, 60_000);
});
