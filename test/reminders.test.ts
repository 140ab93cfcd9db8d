import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Resetdesk } from '../src/app.js';
import { getJobByKey, listJobs } from '../src/db/repositories/job.repository.js';
import { JOB_KINDS, jobKeys } from '../src/jobs/job-kinds.js';
import { parseFixture } from '../src/okta-sandbox/index.js';
import { setClock, type TestClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { LENA, testFixture } from './helpers/test-org.js';

/**
 * Escalation reminders are durable timers (jobs with a future run_at) read against the injected
 * clock (src/time.ts): the tests move the clock, never sleep for the SLA. Policy here: remind the
 * approver group after 4 h, the backup group 8 h after that.
 */

const HOUR = 3_600_000;
const APPROVERS = ['irene@example.com', LENA.email, 'carol@example.com']; // "IT Approvers" (Payroll's group)
const BACKUP = 'nina@example.com';
const reminder = (who = 'alice') => `Reminder: Payroll password reset for ${who}@example.com is still waiting`;
const backupReminder = (who = 'alice') => `Escalated to Backup Approvers: Payroll password reset for ${who}@example.com is still waiting`;
const REMINDER = reminder();
const BACKUP_REMINDER = backupReminder();

/** The test org plus a "Backup Approvers" group whose only member is nina. */
function fixture() {
  const base = testFixture();
  const backup = '00gTTTTTTTTTTTTTTT50';
  return parseFixture({
    ...base,
    groups: [...base.groups, { id: backup, name: 'Backup Approvers' }],
    users: [
      ...base.users,
      {
        id: '00uTTTTTTTTTTTTTTT21',
        status: 'ACTIVE',
        login: BACKUP,
        email: BACKUP,
        firstName: 'Nina',
        lastName: 'Tester',
        factors: [],
        roles: [],
        groupIds: [backup],
      },
    ],
  });
}

function policyFile(dialect: string): string {
  const path = join(tmpdir(), `resetdesk-reminders-${process.pid}-${dialect}.yaml`);
  writeFileSync(
    path,
    ['version: "test-reminders"', 'escalation:', '  slaHours: 4', '  backupGroup: Backup Approvers', '  backupAfterHours: 8', ''].join(
      '\n',
    ),
  );
  return path;
}

describe.each(DIALECTS)('escalation reminders on %s', (dialect) => {
  let t: TestContext;
  let clock: TestClock;
  let alice: string;

  const subjectsTo = (address: string) => t.mailTo(address).map((m) => m.subject);
  const reminders = () => t.mailbox.messages().filter((m) => /still waiting/.test(m.subject));

  beforeAll(async () => {
    clock = testClock();
    setClock(clock);
    t = await startTestContext(dialect, { fixture: fixture(), env: { POLICY_FILE: policyFile(dialect) } });
    alice = await t.token('alice@example.com');
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
  });

  /** A Payroll request (no reset URL in the catalog): escalated to "IT Approvers". One open request per person and app. */
  async function escalated(who = 'alice'): Promise<string> {
    const token = who === 'alice' ? alice : await t.token(`${who}@example.com`);
    const res = await t.create(token, { app: 'Payroll', justification: 'locked out' });
    expect(res.status).toBe(201);
    await t.idle();
    const r = await t.request(res.data!.request_id, token);
    expect(r.status).toBe('Escalated');
    for (const a of APPROVERS) expect(subjectsTo(a), a).toEqual([`Payroll password reset for ${who}@example.com: approval needed`]);
    t.mailbox.clear();
    return r.request_id;
  }

  /** Moves the clock and waits until the work that fell due is done. */
  async function advance(ms: number, ...apps: Resetdesk[]) {
    clock.advance(ms);
    const all = apps.length > 0 ? apps : [t.app];
    for (const app of all) app.worker.wake();
    for (const app of all) await app.worker.idle();
  }

  it('reminds the approvers once after the SLA, then the backup group once after the second window', async () => {
    const id = await escalated();
    const cycle = (await t.events(id, alice)).find((e) => e.eventType === 'Escalation')!.eventId;
    expect(await getJobByKey(t.app.ctx.db, jobKeys.reminder(id, cycle, 1))).toMatchObject({ status: 'pending', attempts: 0 });

    await advance(3 * HOUR + 59 * 60_000); // before the SLA: nothing
    expect(reminders()).toEqual([]);

    await advance(2 * 60_000); // just past 4 h
    for (const a of APPROVERS) expect(subjectsTo(a), a).toEqual([REMINDER]);
    expect(subjectsTo(BACKUP)).toEqual([]);
    const mail = t.mailTo('irene@example.com')[0]!;
    expect(mail.text).toContain('This request has waited for 4 hours');
    expect(mail.html).toContain('<strong>');
    expect(subjectsTo('alice@example.com')).toEqual([]); // the requester is not reminded

    await advance(7 * HOUR); // 11 h: not yet the backup's turn
    expect(reminders()).toHaveLength(APPROVERS.length);

    await advance(HOUR + 60_000); // past 4 h + 8 h
    expect(subjectsTo(BACKUP)).toEqual([BACKUP_REMINDER]);
    expect(t.mailTo(BACKUP)[0]!.text).toContain('escalated to the backup group Backup Approvers');
    for (const a of APPROVERS) expect(subjectsTo(a), a).toEqual([REMINDER]); // each reminder once

    await advance(100 * HOUR); // nothing else, ever
    expect(reminders()).toHaveLength(APPROVERS.length + 1);
    expect(await getJobByKey(t.app.ctx.db, jobKeys.reminder(id, cycle, 2))).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('a decision before the SLA cancels the reminders: the timers fire and send nothing', async () => {
    const id = await escalated('grace');
    const irene = await t.token('irene@example.com', 'approver');
    expect((await t.decide(id, irene, 'approve')).status).toBe(200);
    await t.idle();
    t.mailbox.clear();

    await advance(13 * HOUR);
    expect(reminders()).toEqual([]);
    const cycle = (await t.events(id, irene)).find((e) => e.eventType === 'Escalation')!.eventId;
    for (const n of [1, 2] as const) {
      expect(await getJobByKey(t.app.ctx.db, jobKeys.reminder(id, cycle, n)), `reminder ${n}`).toMatchObject({ status: 'done' });
    }
  });

  it('survives a restart: a reminder that fell due while resetdesk was down is sent once by the next instance', async () => {
    const id = await escalated('bob');
    await t.stopApp();
    clock.advance(5 * HOUR); // due while nothing runs
    const next = await t.startInstance();
    await advance(0, next);
    for (const a of APPROVERS) expect(subjectsTo(a), a).toEqual([reminder('bob')]);

    // Another restart changes nothing: the timer has fired.
    await next.stop();
    const again = await t.startInstance();
    await advance(60_000, again);
    for (const a of APPROVERS) expect(subjectsTo(a), a).toEqual([reminder('bob')]);
    const jobs = await listJobs(again.ctx.db, { kind: JOB_KINDS.escalationReminder });
    expect(jobs.filter((j) => JSON.parse(j.payload_json).requestId === id && j.status === 'done')).toHaveLength(1);
  });
});

describe('escalation reminders with two instances on one PostgreSQL database', () => {
  let t: TestContext;
  let clock: TestClock;

  beforeAll(async () => {
    clock = testClock();
    setClock(clock);
    t = await startTestContext('postgres', { fixture: fixture(), env: { POLICY_FILE: policyFile('postgres-two') } });
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });

  it('sends each reminder once, whichever instance claims the timer', async () => {
    const second = await t.startInstance();
    const alice = await t.token('alice@example.com');
    const res = await t.create(alice, { app: 'Payroll', justification: 'locked out' });
    expect(res.status).toBe(201);
    await t.idle();
    await second.worker.idle();
    expect((await t.request(res.data!.request_id, alice)).status).toBe('Escalated');
    t.mailbox.clear();

    for (const step of [4 * HOUR + 60_000, 8 * HOUR]) {
      clock.advance(step);
      // Both workers look for due work at the same moment.
      t.app.worker.wake();
      second.worker.wake();
      await Promise.all([t.app.worker.idle(), second.worker.idle()]);
    }
    for (const a of APPROVERS)
      expect(
        t.mailTo(a).map((m) => m.subject),
        a,
      ).toEqual([REMINDER]);
    expect(t.mailTo(BACKUP).map((m) => m.subject)).toEqual([BACKUP_REMINDER]);
    const reminderJobs = await listJobs(second.ctx.db, { kind: JOB_KINDS.escalationReminder });
    expect(reminderJobs.map((j) => [j.status, j.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
  });
});
