import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

/** The CLI exactly as installed: bin/resetdesk.js over the compiled dist/ (`npm test` builds first). */
const BIN = new URL('../bin/resetdesk.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running command and resolves with the first stdout line matching `ready`. */
function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

const tempDb = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'rd-cli-')), 'cli.db')}`;

describe('resetdesk CLI', () => {
  beforeAll(() => {
    if (!existsSync(new URL('../dist/cli/main.js', import.meta.url)))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  });

  it('migrate applies the migrations once', () => {
    const DATABASE_URL = tempDb();
    const files = readdirSync(new URL('../src/db/migrations/', import.meta.url)).filter((f) => f.endsWith('.ts'));
    expect(run(['migrate'], { DATABASE_URL }).stdout).toContain(
      `Applied ${files.length} migration(s): ${files
        .map((f) => f.replace(/\.ts$/, ''))
        .sort()
        .join(', ')}`,
    );
    expect(run(['migrate'], { DATABASE_URL }).stdout).toContain('up to date');
  });

  it('token create prints the token alone on the last line', () => {
    const r = run(['token', 'create', '--email', 'Ann@Example.com', '--role', 'approver'], { DATABASE_URL: tempDb() });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^rd_[A-Za-z0-9_-]{40,}$/);
    expect(lines.slice(0, -1).join('\n')).toContain('ann@example.com');
  });

  it('token create rejects a bad role or email, naming the option', () => {
    const r = run(['token', 'create', '--email', 'x@example.com', '--role', 'boss'], { DATABASE_URL: tempDb() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--role');
    expect(run(['token', 'create', '--email', 'nope', '--role', 'admin'], { DATABASE_URL: tempDb() }).stderr).toContain('--email');
  });

  it('apps import: a good file imports, a bad one reports every line and imports nothing', () => {
    const DATABASE_URL = tempDb();
    const dir = mkdtempSync(join(tmpdir(), 'rd-csv-'));
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'App,URL,oktaID\nMyApp,https://myapp.example.com/reset,0oa1\n');
    expect(run(['apps', 'import', good], { DATABASE_URL }).stdout).toContain('Imported 1 app(s)');

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'App,URL,oktaID\nNewApp,https://new.example.com,0oa2\n,https://x.example.com,0oa3\nOther,not-a-url,0oa4\n');
    const r = run(['apps', 'import', bad], { DATABASE_URL });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 3: App is empty');
    expect(r.stderr).toContain('line 4: URL "not-a-url"');
    expect(r.stderr).toContain('nothing was imported');
    const list = run(['apps', 'list'], { DATABASE_URL }).stdout;
    expect(list).toContain('MyApp');
    expect(list).not.toContain('NewApp');
    expect(run(['apps', 'import', join(dir, 'missing.csv')], { DATABASE_URL }).stderr).toContain('Cannot read');
  });

  it('stops on bad configuration, naming the variable', () => {
    const r = run(['migrate'], { PORT: 'eighty' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('PORT');
  });

  it('serve refuses an unknown --role or ROLE, naming it', () => {
    const flag = run(['serve', '--role', 'boss'], { DATABASE_URL: tempDb() });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('--role must be one of all, api, worker (got "boss")');
    const unknown = run(['serve', '--rol', 'api'], { DATABASE_URL: tempDb() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Usage: resetdesk serve [--role all|api|worker]');
    const env = run(['serve'], { DATABASE_URL: tempDb(), ROLE: 'boss' });
    expect(env.code).toBe(78);
    expect(env.stderr).toContain('ROLE');
  });

  it('unknown commands print the usage', () => {
    const r = run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });

  it('okta-sandbox serves the demo org alone', async () => {
    const { child, match } = await start(['okta-sandbox', '--port', '0'], {}, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const res = await fetch(`${match[1]}/api/v1/users?filter=${encodeURIComponent('profile.login eq "alice.nguyen@example.com"')}`, {
      headers: { authorization: 'SSWS 00DEMO-resetdesk-sandbox-token-not-a-secret', accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }[])[0]!.status).toBe('ACTIVE');
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });

  it('serve on embedded defaults runs the whole demo: sandbox, demo catalog, dev mailbox', async () => {
    const env = { DATABASE_URL: tempDb(), PORT: '0', LOG_LEVEL: 'warn' };
    const { child, match } = await start(['serve'], env, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const base = match[1]!;
    const token = run(['token', 'create', '--email', 'alice.nguyen@example.com', '--role', 'requester'], env)
      .stdout.trimEnd()
      .split('\n')
      .at(-1)!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/requests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ app: 'Expensify', justification: 'Forgot it' }),
    });
    expect(created.status).toBe(201);
    const { request_id } = (await created.json()) as { request_id: string };
    let request: { status: string; resolution: string; ruleId: string } | undefined;
    for (let i = 0; i < 200 && request?.status !== 'Closed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      request = (await (await fetch(`${base}/api/v1/requests/${request_id}`, { headers })).json()) as typeof request;
    }
    expect(request).toMatchObject({ status: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service' });
    const mailbox = (await (await fetch(`${base}/dev/mailbox`)).json()) as { messages: { to: string[]; subject: string; text: string }[] };
    expect(mailbox.messages).toEqual([expect.objectContaining({ to: ['alice.nguyen@example.com'], subject: 'Expensify password reset' })]);
    expect(mailbox.messages[0]!.text).toContain('https://www.expensify.com/forgot-password/reset');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });
});
