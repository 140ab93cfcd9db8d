import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { type Db, openDatabase } from '../src/db/database.js';
import * as initial from '../src/db/migrations/2026-11-23T00-00-00-initial.js';
import * as jobFairKey from '../src/db/migrations/2026-11-23T12-00-00-job-fair-key.js';
import * as webSessions from '../src/db/migrations/2026-11-23T20-00-00-web-sessions.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { appendAuditEvent, type ChainedAuditEvent, listAuditEvents, verifyAuditLog } from '../src/db/repositories/audit.repository.js';
import { createTestDatabase, DIALECTS, type TestDialect } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

/**
 * The Audit Log's hash chain (docs/operations.md, "Audit log integrity"): `resetdesk audit verify`
 * on an intact log, then on one tampered with the way someone with database rights would — the
 * append-only triggers switched off first, as only an owner or superuser can.
 */

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's own entry point, in this process, reading DATABASE_URL from the environment like bin/resetdesk.js. */
async function cli(databaseUrl: string, ...args: string[]): Promise<CliRun> {
  vi.stubEnv('DATABASE_URL', databaseUrl);
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${a.join(' ')}\n`));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** Runs `fn` with the append-only triggers out of the way, as a database owner could. */
async function withoutTriggers(dialect: TestDialect, db: Db, fn: () => Promise<unknown>): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table audit_events disable trigger user`.execute(db);
    try {
      await fn();
    } finally {
      await sql`alter table audit_events enable trigger user`.execute(db);
    }
    return;
  }
  await sql`drop trigger audit_events_no_update`.execute(db);
  await sql`drop trigger audit_events_no_delete`.execute(db);
  try {
    await fn();
  } finally {
    await sql`create trigger audit_events_no_update before update on audit_events
      begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(db);
    await sql`create trigger audit_events_no_delete before delete on audit_events
      begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(db);
  }
}

describe.each(DIALECTS)('audit log integrity on %s', (dialect) => {
  let t: TestContext;
  const db = () => t.app.ctx.db;
  const verify = (...args: string[]) => cli(t.database.url, 'audit', 'verify', ...args);
  const rowAt = (seq: number) => db().selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
  const count = async () =>
    Number((await db().selectFrom('audit_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await startTestContext(dialect);
    for (const who of ['alice', 'bob', 'grace']) {
      const res = await t.create(await t.token(`${who}@example.com`), { app: 'Expensify', justification: 'x' });
      expect(res.status, JSON.stringify(res.error)).toBe(201);
    }
    await t.idle();
  });
  afterAll(async () => t?.close());
  afterEach(async () => {
    // Every tamper case repairs what it broke: the next one starts from an intact log.
    expect((await verify()).code).toBe(0);
  });

  it('verify: an intact log exits 0 with its count and head', async () => {
    const n = await count();
    expect(n).toBeGreaterThanOrEqual(12);
    const head = await rowAt(n);
    const r = await verify();
    expect(r).toEqual({ code: 0, stdout: `Audit log intact: ${n} event(s), head ${n}:${head.hash}\n`, stderr: '' });
    // The chain covers every row: seq runs 1..n with no gaps.
    const seqs = (await db().selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('the triggers refuse UPDATE and DELETE', async () => {
    await expect(db().updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 1).execute()).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(db().deleteFrom('audit_events').where('seq', '=', 1).execute()).rejects.toThrow(/append-only: DELETE refused/);
    if (dialect === 'postgres') await expect(sql`truncate audit_events`.execute(db())).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await rowAt(1)).actor).not.toBe('mallory');
  });

  it('an edited event: verify exits 1 naming it', async () => {
    const original = await rowAt(3);
    const details = JSON.parse(original.details_json) as Record<string, unknown>;
    await withoutTriggers(dialect, db(), () =>
      db()
        .updateTable('audit_events')
        .set({ details_json: JSON.stringify({ ...details, extra: 'tampered' }) })
        .where('seq', '=', 3)
        .execute(),
    );
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^Audit log BROKEN at seq 3 \\(event ${original.id}\\): hash does not match the event: the event was edited`),
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    // Re-spelling the same JSON (key order, spaces) is not an edit: details are hashed canonically.
    const respelled = `{ ${Object.entries(details)
      .reverse()
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(', ')} }`;
    await withoutTriggers(dialect, db(), () =>
      db().updateTable('audit_events').set({ details_json: respelled }).where('seq', '=', 3).execute(),
    );
    expect((await verify()).code).toBe(0);
    await withoutTriggers(dialect, db(), () =>
      db().updateTable('audit_events').set({ details_json: original.details_json }).where('seq', '=', 3).execute(),
    );
  });

  it('a deleted event: verify names the event after the gap', async () => {
    const deleted = await rowAt(2);
    const next = await rowAt(3);
    await withoutTriggers(dialect, db(), () => db().deleteFrom('audit_events').where('seq', '=', 2).execute());
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BROKEN at seq 3 (event ${next.id}): seq jumps from 1 to 3: 1 event(s) before it were deleted`);
    await db().insertInto('audit_events').values(deleted).execute();
  });

  it('reordered events: verify names the first out of place', async () => {
    const [fourth, fifth] = [await rowAt(4), await rowAt(5)];
    const setSeq = (from: number, to: number) => db().updateTable('audit_events').set({ seq: to }).where('seq', '=', from).execute();
    const swap = () =>
      withoutTriggers(dialect, db(), async () => {
        await setSeq(4, -1);
        await setSeq(5, 4);
        await setSeq(-1, 5);
      });
    await swap();
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BROKEN at seq 4 (event ${fifth.id}): prev_hash does not match the hash of event seq 3`);
    expect(r.stderr).toContain('reordered');
    expect(fourth.id).not.toBe(fifth.id);
    await swap();
  });

  it('a forged event appended around resetdesk: verify names it', async () => {
    const n = await count();
    const head = await rowAt(n);
    const forged = { ...head, id: 'evt_forged', seq: n + 1, prev_hash: head.hash, hash: 'f'.repeat(64), actor: 'mallory' };
    // No trigger stops an INSERT: only the chain does.
    await db().insertInto('audit_events').values(forged).execute();
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BROKEN at seq ${n + 1} (event evt_forged): hash does not match the event`);
    expect(r.stderr).toContain(`${n} event(s) before it verify`);
    await withoutTriggers(dialect, db(), () => db().deleteFrom('audit_events').where('id', '=', 'evt_forged').execute());
  });

  it('--anchor catches a deleted tail, which the chain alone cannot', async () => {
    const n = await count();
    const anchor = `${n}:${(await rowAt(n)).hash}`;
    expect((await verify('--anchor', anchor)).code).toBe(0);
    const last = await rowAt(n);
    await withoutTriggers(dialect, db(), () => db().deleteFrom('audit_events').where('seq', '=', n).execute());
    expect((await verify()).code).toBe(0);
    const r = await verify('--anchor', anchor);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BROKEN at seq ${n}: the chain ends at seq ${n - 1} but the anchor records seq ${n}`);
    await db().insertInto('audit_events').values(last).execute();
  });

  it('bad arguments exit 2 with the usage', async () => {
    for (const args of [
      ['verify', '--anchor', 'nope'],
      ['export', '--since', 'yesterday'],
      ['export', '--until', '2026-11-24T10:00'],
      ['frobnicate'],
      [],
    ]) {
      const r = await cli(t.database.url, 'audit', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('Usage: resetdesk audit');
    }
    expect((await cli(t.database.url, 'audit', 'export', '--bogus')).code).toBe(2);
  });

  it('export writes JSON Lines in chain order; --since and --until filter on createdAt', async () => {
    const all = await cli(t.database.url, 'audit', 'export');
    expect(all.code).toBe(0);
    const events = all.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ChainedAuditEvent);
    expect(events).toHaveLength(await count());
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(Object.keys(events[0]!).sort()).toEqual(
      ['actor', 'createdAt', 'details', 'eventId', 'eventType', 'hash', 'prevHash', 'requestId', 'seq'].sort(),
    );
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(typeof events[0]!.details).toBe('object');

    const middle = events[Math.floor(events.length / 2)]!.createdAt;
    const dir = mkdtempSync(join(tmpdir(), 'rd-audit-'));
    const file = join(dir, 'since.jsonl');
    const since = await cli(t.database.url, 'audit', 'export', '--since', middle, '--out', file);
    expect(since).toMatchObject({ code: 0, stderr: '' });
    const exported = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ChainedAuditEvent);
    expect(exported.map((e) => e.eventId)).toEqual(events.filter((e) => e.createdAt >= middle).map((e) => e.eventId));
    expect(since.stdout).toBe(`Exported ${exported.length} audit event(s) to ${file}.\n`);

    const until = await cli(t.database.url, 'audit', 'export', '--until', middle);
    expect(until.stdout.trimEnd().split('\n').length).toBe(events.filter((e) => e.createdAt < middle).length);
    // A date is midnight UTC; an offset is honoured.
    expect((await cli(t.database.url, 'audit', 'export', '--since', '2000-01-01')).stdout).toBe(all.stdout);
    expect((await cli(t.database.url, 'audit', 'export', '--since', '2999-01-01T00:00:00+02:00')).stdout).toBe('');
    expect((await cli(t.database.url, 'audit', 'export', '--out', join(dir, 'missing', 'x.jsonl'))).stderr).toContain('Cannot write');
  });

  it('many appends at once leave one intact chain', async () => {
    const before = await count();
    // 50 requests filed at once, each triaged by the worker (Tool Call events written while Okta answers).
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => t.token(`load${i}@example.com`)));
    const created = await Promise.all(tokens.map((token) => t.create(token, { app: 'Expensify', justification: 'x' })));
    expect(created.map((c) => c.status)).toEqual(tokens.map(() => 201));
    // And appends racing directly: outside a transaction, and inside several at once.
    const requestId = created[0]!.data!.request_id;
    const direct = (i: number) => appendAuditEvent(db(), { requestId, actor: 'test', eventType: 'Message', details: { i } });
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => direct(i)),
      ...Array.from({ length: 5 }, (_, i) =>
        db()
          .transaction()
          .execute(async (trx) => {
            await Promise.all(
              [0, 1, 2].map((j) => appendAuditEvent(trx, { requestId, actor: 'test', eventType: 'Message', details: { i, j } })),
            );
          }),
      ),
    ]);
    await t.idle();
    const n = await count();
    expect(n).toBeGreaterThan(before + 50 * 3);
    const r = await verify();
    expect(r.stdout).toContain(`Audit log intact: ${n} event(s)`);
    // Appends started on one Db keep their call order in the chain (the worker's events interleave freely).
    const mine = await listAuditEvents(db(), requestId);
    const direct20 = mine.filter((e) => e.actor === 'test' && !('j' in e.details)).map((e) => e.details.i);
    expect(direct20).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

/** The two tables as they were before the audit-chain migration. */
interface OldSchema {
  password_requests: {
    id: string;
    requester: string;
    app: string;
    justification: string;
    channel: string;
    submitted_by: string;
    status: string;
    priority: string;
    created_at: string;
    updated_at: string;
  };
  audit_events: { id: string; request_id: string; actor: string; event_type: string; details_json: string; created_at: string };
}

describe.each(DIALECTS)('upgrading a database with an audit log on %s', (dialect) => {
  it('chains the existing events in (created_at, id) order, so the log verifies', async () => {
    const scratch = await createTestDatabase(dialect);
    const database = openDatabase(scratch.url);
    try {
      const before = { initial, jobFairKey, webSessions };
      const old = database.db as unknown as Kysely<OldSchema>;
      const migrated = await new Migrator({
        db: old,
        provider: {
          getMigrations: async () => ({
            '2026-11-23T00-00-00-initial': before.initial,
            '2026-11-23T12-00-00-job-fair-key': before.jobFairKey,
            '2026-11-23T20-00-00-web-sessions': before.webSessions,
          }),
        },
      }).migrateToLatest();
      expect(migrated.error).toBeUndefined();
      const at = '2026-11-20T10:00:00.000Z';
      await old
        .insertInto('password_requests')
        .values({
          id: 'req_old',
          requester: 'alice@example.com',
          app: 'Expensify',
          justification: 'x',
          channel: 'api',
          submitted_by: 'alice@example.com',
          status: 'Closed',
          priority: 'Low',
          created_at: at,
          updated_at: at,
        })
        .execute();
      const event = (id: string, created_at: string) => ({
        id,
        request_id: 'req_old',
        actor: 'resetdesk',
        event_type: 'Message',
        details_json: JSON.stringify({ id, nested: { b: 1, a: [1, 2] } }),
        created_at,
      });
      // Inserted out of order: the chain follows created_at, then id.
      await old
        .insertInto('audit_events')
        .values([
          event('evt_c', '2026-11-20T10:00:02.000Z'),
          event('evt_b', '2026-11-20T10:00:01.000Z'),
          event('evt_a', '2026-11-20T10:00:02.000Z'),
        ])
        .execute();

      await migrateToLatest(database.db);
      expect(await verifyAuditLog(database.db)).toMatchObject({ ok: true, count: 3, head: { seq: 3, id: 'evt_c' } });
      expect((await listAuditEvents(database.db, 'req_old')).map((e) => e.eventId)).toEqual(['evt_b', 'evt_a', 'evt_c']);
      await appendAuditEvent(database.db, { requestId: 'req_old', actor: 'resetdesk', eventType: 'Closure', details: {} });
      expect(await verifyAuditLog(database.db)).toMatchObject({ ok: true, count: 4 });
      await expect(database.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    } finally {
      await database.close();
      await scratch.drop();
    }
  });
});
