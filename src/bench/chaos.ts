/**
 * The chaos run (`npm run chaos`; a smaller one in test/chaos.test.ts; docs/operations.md,
 * "Several instances"): resetdesk instances in their own processes on one PostgreSQL database,
 * the Okta sandbox and an SMTP listener here. Requests from the bench org's mix go round-robin to
 * the instances, then an approver approves the SSO escalations — while every few seconds a random
 * instance is killed with SIGKILL and started again. A request whose POST was cut by a kill is
 * sent again to another instance (a person pressing the button again); one the killed instance
 * had already stored is then a second request, which must be decided just as correctly.
 *
 * When everything is quiet it checks, from the database, the sandbox and the mailbox: every
 * request in the status its rule means, one engine decision per request and one human decision
 * per approval, exactly one Okta reset_password per approved SSO request, every email received
 * once except in the one window a kill leaves (after the SMTP server took a message, before its
 * job was marked done: counted, and each repeat checked against its job's attempts), and no job
 * left running, due or failed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageIdFor, startDevMailbox } from '../connectors/smtp/index.js';
import { type Db, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { upsertApps } from '../db/repositories/app.repository.js';
import { countOpenJobs } from '../db/repositories/job.repository.js';
import { createApiToken } from '../db/repositories/token.repository.js';
import { createScratchDatabase } from '../db/scratch-database.js';
import { JOB_KINDS } from '../jobs/job-kinds.js';
import { parseFixture, startOktaSandbox } from '../okta-sandbox/index.js';
import { nowIso } from '../time.js';
import { BENCH_CATALOG, BENCH_USERS, benchFixture, benchRequests } from './bench-org.js';
import { startCluster } from './chaos-cluster.js';
import { seededRandom } from './seeded-random.js';

export interface ChaosOptions {
  /** An admin URL of the PostgreSQL server; the run makes (and drops) its own database there. */
  postgresUrl: string;
  requests: number;
  instances: number;
  /** A random instance is killed and restarted this often while requests are filed and approved. */
  killEveryMs: number;
  /** HTTP clients filing at once. */
  clients: number;
  /** Each client's pause between two requests, so filing lasts through several kills (default 0). */
  paceMs?: number;
  seed?: number;
}

export interface ChaosReport {
  figures: Record<string, number>;
  /** What went wrong; empty when every check passed. */
  problems: string[];
}

/** The one approver of Salesforce requests (catalog approver group `crm-owners`). */
const APPROVER = 'approver@bench.example.com';

/** The status each rule leaves a request in once every escalation the run approves is approved. */
const FINAL: Record<string, { status: string; resolution: string | null }> = {
  swa_self_service: { status: 'Closed', resolution: 'Completed' },
  sso_requires_approval: { status: 'Closed', resolution: 'Completed' },
  user_status: { status: 'Closed', resolution: 'Rejected' },
  not_assigned: { status: 'Closed', resolution: 'Rejected' },
  app_not_in_catalog: { status: 'Closed', resolution: 'Rejected' },
  sensitive_app: { status: 'Escalated', resolution: null },
  mfa_missing: { status: 'Escalated', resolution: null },
  privileged_user: { status: 'Escalated', resolution: null },
};

/** The bench org plus an approver in the `crm-owners` group the catalog names for Salesforce. */
function chaosFixture() {
  const base = benchFixture();
  const group = { id: '00gChaosCrmOwners001', name: 'crm-owners' };
  const approver = {
    id: '00uChaosApprover0001',
    status: 'ACTIVE',
    login: APPROVER,
    email: APPROVER,
    firstName: 'Chaos',
    lastName: 'Approver',
    factors: [],
    roles: [],
    groupIds: [group.id],
  };
  return parseFixture({ ...base, groups: [...base.groups, group], users: [...base.users, approver] });
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const scratch = await createScratchDatabase('postgres', o.postgresUrl);
  const database = openDatabase(scratch.url);
  const sandbox = await startOktaSandbox({ fixture: chaosFixture() });
  const mailbox = await startDevMailbox({ limit: o.requests * 20 });
  const policyDir = mkdtempSync(join(tmpdir(), 'resetdesk-chaos-'));
  writeFileSync(join(policyDir, 'policy.yaml'), JSON.stringify({ version: 'chaos', cooldown: { maxResets: 0 } }));
  const db = database.db;
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  try {
    await migrateToLatest(db);
    await upsertApps(db, BENCH_CATALOG);
    const tokens = new Map<string, string>();
    for (const u of BENCH_USERS) tokens.set(u.login, (await createApiToken(db, { email: u.login, role: 'requester' })).token);
    const approverToken = (await createApiToken(db, { email: APPROVER, role: 'approver' })).token;

    cluster = await startCluster(o.instances, {
      DATABASE_URL: scratch.url,
      OKTA_ORG_URL: sandbox.url,
      OKTA_API_TOKEN: sandbox.apiToken,
      SMTP_URL: mailbox.url,
      MAIL_FROM: 'IT Support <it-support@example.com>',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      POLICY_FILE: join(policyDir, 'policy.yaml'),
      WORKER_POLL_MS: '200',
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_TOKEN: '0',
      REQUESTS_PER_PERSON_PER_HOUR: '0',
      OPEN_REQUESTS_PER_PERSON: '0',
      DUPLICATE_REQUESTS: 'allow',
    });
    const c = cluster;

    // Kills, at a steady pace, until filing and approving are over.
    const rand = seededRandom(o.seed ?? 20261124);
    let killing = true;
    let kills = 0;
    let pause: NodeJS.Timeout | undefined;
    let wakeKiller = () => {};
    const killer = (async () => {
      while (killing) {
        await new Promise<void>((r) => {
          wakeKiller = r;
          pause = setTimeout(r, o.killEveryMs);
        });
        if (!killing) break;
        await c.killAndRestart(Math.floor(rand() * c.size));
        kills++;
      }
    })();

    let resent = 0;
    /** POSTs to the next live instance; a connection cut by a kill is sent again elsewhere. */
    async function post(path: string, token: string, body: unknown): Promise<{ status: number; body: unknown }> {
      for (let attempt = 1; ; attempt++) {
        const base = await c.next();
        try {
          const res = await fetch(`${base}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: await res.json().catch(() => null) };
        } catch (err) {
          if (attempt >= 20) throw err;
          resent++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }

    const requests = benchRequests(o.requests, o.seed ?? 20261124);
    const refused: string[] = [];
    await pool(requests, o.clients, async (r) => {
      const res = await post('/api/v1/requests', tokens.get(r.requester) ?? '', { app: r.app, justification: 'chaos: forgot my password' });
      if (res.status !== 201) refused.push(`POST ${r.requester} ${r.app}: ${res.status} ${JSON.stringify(res.body)}`);
      if (o.paceMs) await new Promise((resolve) => setTimeout(resolve, o.paceMs));
    });

    // Approve every Salesforce escalation once triage has decided them all.
    await waitUntil(async () => (await count(db, ['New', 'Triaging'])) === 0, 120_000, 'every request triaged');
    const toApprove = await db
      .selectFrom('password_requests')
      .select('id')
      .where('status', '=', 'Escalated')
      .where('rule_id', '=', 'sso_requires_approval')
      .execute();
    await pool(toApprove, o.clients, async ({ id }) => {
      const res = await post(`/api/v1/requests/${id}/approve`, approverToken, {});
      // 409: an approval whose answer a kill cut already went through.
      if (res.status !== 200 && res.status !== 409) refused.push(`approve ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    });
    killing = false;
    clearTimeout(pause);
    wakeKiller();
    await killer;

    await waitUntil(async () => (await countOpenJobs(db)) === 0, 180_000, 'the job queue drained');
    const checked = await check(db, { sandbox, mailbox, approved: toApprove.length });
    return {
      figures: {
        requestsSent: requests.length,
        postsResent: resent,
        kills,
        ...checked.figures,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      problems: [...refused, ...checked.problems],
    };
  } catch (err) {
    return { figures: {}, problems: [`the run failed: ${(err as Error).message}\n${cluster?.output().slice(-4000) ?? ''}`] };
  } finally {
    await cluster?.stop();
    await sandbox.close();
    await mailbox.close();
    await database.close();
    await scratch.drop();
  }
}

async function check(
  db: Db,
  w: {
    sandbox: Awaited<ReturnType<typeof startOktaSandbox>>;
    mailbox: Awaited<ReturnType<typeof startDevMailbox>>;
    approved: number;
  },
): Promise<ChaosReport> {
  const problems: string[] = [];
  const rows = await db.selectFrom('password_requests').select(['id', 'status', 'resolution', 'rule_id', 'manual_decision']).execute();
  let wrong = 0;
  for (const r of rows) {
    const want = FINAL[r.rule_id ?? ''];
    if (!want || want.status !== r.status || want.resolution !== r.resolution) {
      wrong++;
      if (wrong <= 10) problems.push(`request ${r.id}: rule ${r.rule_id}, ${r.status}/${r.resolution}; expected ${JSON.stringify(want)}`);
    }
  }
  if (wrong > 0) problems.push(`${wrong} of ${rows.length} requests are not in the status their rule means`);

  const decisions = await db.selectFrom('decisions').select(['request_id', 'source']).execute();
  const perRequest = new Map<string, { engine: number; human: number }>();
  for (const d of decisions) {
    const n = perRequest.get(d.request_id) ?? { engine: 0, human: 0 };
    if (d.source === 'human') n.human++;
    else n.engine++;
    perRequest.set(d.request_id, n);
  }
  const approvedIds = new Set(rows.filter((r) => r.manual_decision === 'Approved').map((r) => r.id));
  let badDecisions = 0;
  for (const r of rows) {
    const n = perRequest.get(r.id) ?? { engine: 0, human: 0 };
    if (n.engine !== 1 || n.human !== (approvedIds.has(r.id) ? 1 : 0)) badDecisions++;
  }
  if (badDecisions > 0) problems.push(`${badDecisions} requests do not have exactly one decision row per decision`);

  const resets = w.sandbox.calls().filter((call) => call.method === 'POST' && call.path.endsWith('/lifecycle/reset_password')).length;
  if (resets !== approvedIds.size) problems.push(`${resets} Okta reset_password calls for ${approvedIds.size} approved SSO requests`);
  if (approvedIds.size !== w.approved) problems.push(`${approvedIds.size} requests approved of ${w.approved} approvals sent`);

  // Every email carries a Message-ID made from its job's idempotency key, so a repeat is the
  // same id twice. The one window: a kill after the SMTP server took the message and before the
  // job was marked done — then the job ran again (attempts > 1). A repeat without that is a bug.
  const mails = w.mailbox.messages();
  const seen = new Map<string, number>();
  for (const m of mails) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
  const emailJobs = await db.selectFrom('jobs').select(['idempotency_key', 'attempts']).where('kind', '=', JOB_KINDS.email).execute();
  const attemptsOf = new Map(emailJobs.map((j) => [messageIdFor(j.idempotency_key), j.attempts]));
  let repeated = 0;
  for (const [messageId, n] of seen) {
    if (n === 1) continue;
    repeated += n - 1;
    const attempts = attemptsOf.get(messageId) ?? 0;
    if (attempts < n) problems.push(`email ${messageId} arrived ${n} times from a job that ran ${attempts} time(s)`);
  }

  const jobs = await db.selectFrom('jobs').select(['status', 'run_at']).execute();
  const now = nowIso();
  const running = jobs.filter((j) => j.status === 'running').length;
  const due = jobs.filter((j) => j.status === 'pending' && j.run_at <= now).length;
  const failed = jobs.filter((j) => j.status === 'failed').length;
  const timers = jobs.filter((j) => j.status === 'pending' && j.run_at > now).length;
  if (running + due > 0) problems.push(`${running} jobs still running and ${due} due`);
  if (failed > 0) problems.push(`${failed} jobs failed`);

  const byStatus = (s: string, res: string | null) => rows.filter((r) => r.status === s && r.resolution === res).length;
  const figures = {
    requestsStored: rows.length,
    completed: byStatus('Closed', 'Completed'),
    rejected: byStatus('Closed', 'Rejected'),
    escalatedLeft: byStatus('Escalated', null),
    wrongStatus: wrong,
    approved: approvedIds.size,
    oktaResets: resets,
    decisionRows: decisions.length,
    badDecisionCounts: badDecisions,
    emailsReceived: mails.length,
    emailsRepeatedAfterKill: repeated,
    jobsRunningOrDue: running + due,
    jobsFailed: failed,
    timersLeft: timers,
  };
  return { figures, problems };
}

async function count(db: Db, statuses: string[]): Promise<number> {
  const row = await db
    .selectFrom('password_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', statuses)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function waitUntil(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = items.values();
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (const item of queue) await work(item);
    }),
  );
}
