import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Resetdesk } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { listJobs } from '../src/db/repositories/job.repository.js';
import { createTestDatabase, DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

/**
 * Several instances on one database, as `serve --role` runs them behind a load balancer: an
 * api-role instance takes requests and runs no jobs, worker-role instances run them (woken by
 * PostgreSQL's NOTIFY, not the poll) and answer only health checks; migrations started together
 * apply once; an instance killed with SIGKILL mid-job hands its job over within the lease, and
 * one stopped with SIGTERM hands it over at once. The killed and stopped instances are the real
 * CLI (compiled dist/), in their own processes.
 */

const BIN = new URL('../bin/resetdesk.js', import.meta.url).pathname;

/** An SMTP server that accepts connections and never greets: an email job sent there hangs. */
async function startStalledSmtp(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(DIALECTS)('instances by role on %s', (dialect) => {
  let t: TestContext;
  let worker: Resetdesk;

  beforeAll(async () => {
    // The test context's own instance takes the API role; a second instance does the work.
    t = await startTestContext(dialect, { env: { ROLE: 'api' } });
    const slowPoll = { ...t.app.ctx.config.worker, pollMs: 60_000 };
    // On PostgreSQL the worker polls once a minute: only NOTIFY can make it prompt. SQLite polls.
    worker = await t.startInstance({ role: 'worker', ...(dialect === 'postgres' ? { worker: slowPoll } : {}) });
  });
  afterAll(async () => t?.close());

  it('an api instance takes the request, a worker instance decides it; the worker serves only health checks', async () => {
    const alice = await t.token('alice@example.com');
    const started = Date.now();
    const res = await t.create(alice, { app: 'Expensify', justification: 'locked out' });
    expect(res.status).toBe(201);
    const id = res.data?.request_id ?? '';
    const done = await t.waitForStatus(id, alice, ['Closed'], 10_000);
    expect(done.resolution).toBe('Completed');
    // Well inside the worker's minute-long poll: the enqueue woke it.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(t.mailTo('alice@example.com').some((m) => m.subject === 'Expensify password reset')).toBe(true);

    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    // Its own metrics: the jobs it ran (an admin token, as Prometheus would use METRICS_TOKEN).
    const admin = await t.token('root@example.com', 'admin');
    const metrics = await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/resetdesk_job_attempts_total\{kind="triage-request",outcome="done"\} [1-9]/);
    expect((await fetch(`${worker.url}/api/v1/requests`, { headers: { authorization: `Bearer ${alice}` } })).status).toBe(404);
    expect((await fetch(`${worker.url}/`)).status).toBe(404);
  });
});

describe('migrations started by three instances at once', () => {
  it('apply once, and every instance starts', async () => {
    const scratch = await createTestDatabase('postgres');
    const handles = [0, 1, 2].map(() => openDatabase(scratch.url));
    try {
      const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
      // One instance applied them all (under Kysely's advisory lock); the others found them done.
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      const [first] = handles;
      const rows = await first!.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      expect(new Set(rows.map((r) => (r as { name: string }).name)).size).toBe(rows.length);
      expect(rows.length).toBe(applied.flat().length);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await scratch.drop();
    }
  });
});

describe('an instance that dies or is stopped mid-job', () => {
  let t: TestContext;
  const children: ChildProcessWithoutNullStreams[] = [];
  let stalled: Awaited<ReturnType<typeof startStalledSmtp>>;

  beforeAll(async () => {
    t = await startTestContext('postgres', { env: { ROLE: 'api' } });
    stalled = await startStalledSmtp();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await stalled?.close();
    await t?.close();
  });

  /** `resetdesk serve --role worker` in its own process, on the test's database and Okta, mailing into the stalled SMTP. */
  function spawnWorker(env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; output: () => string } {
    const child = spawn(process.execPath, [BIN, 'serve', '--role', 'worker'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: t.database.url,
        OKTA_ORG_URL: t.sandbox.url,
        OKTA_API_TOKEN: t.sandbox.apiToken,
        SMTP_URL: stalled.url,
        MAIL_FROM: 'IT Support <it-support@example.com>',
        PORT: '0',
        LOG_LEVEL: 'warn',
        WORKER_POLL_MS: '50',
        ...env,
      },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return { child, output: () => out };
  }

  /** Files a request at the api instance and waits until the child holds its email job. */
  async function emailHeldBy(child: ChildProcessWithoutNullStreams, output: () => string): Promise<string> {
    const alice = await t.token('alice@example.com');
    const res = await t.create(alice, { app: 'Expensify', justification: `stuck ${Date.now()}` });
    expect(res.status).toBe(201);
    const requestId = res.data?.request_id ?? '';
    await expect
      .poll(
        async () => {
          const running = await listJobs(t.app.ctx.db, { status: 'running', kind: 'send-email' });
          return running.some((j) => j.payload_json.includes(requestId) && j.locked_by?.includes(`:${child.pid}:`));
        },
        { timeout: 20_000, message: `the worker process never took the email job: ${output()}` },
      )
      .toBe(true);
    return requestId;
  }

  const resetMails = () => t.mailTo('alice@example.com').filter((m) => m.subject === 'Expensify password reset').length;

  it('SIGKILL: another instance sends the email within 15 seconds, once', async () => {
    const { child, output } = spawnWorker();
    const before = resetMails();
    const requestId = await emailHeldBy(child, output);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    const other = await t.startInstance({ role: 'worker' });
    const alice = await t.token('alice@example.com');
    // The request closes once its email is sent.
    await t.waitForStatus(requestId, alice, ['Closed'], 20_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(resetMails()).toBe(before + 1);
    await other.stop();
  }, 60_000);

  it('SIGTERM: the process exits within its drain time and hands the job over at once', async () => {
    const { child, output } = spawnWorker({ SHUTDOWN_DRAIN_MS: '1000', WORKER_LEASE_MS: '60000' });
    const before = resetMails();
    const requestId = await emailHeldBy(child, output);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    // The lease was a minute long; the job is taken over now, not when it would have run out.
    const other = await t.startInstance({ role: 'worker' });
    const alice = await t.token('alice@example.com');
    await t.waitForStatus(requestId, alice, ['Closed'], 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    expect(resetMails()).toBe(before + 1);
    await other.stop();
  }, 60_000);
});
