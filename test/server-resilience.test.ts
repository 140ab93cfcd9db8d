import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * A peer that vanishes mid-message (a crashed client, a load balancer timing out, a port scanner)
 * must cost one connection, never the process: `serve` runs the API, the worker, the embedded Okta
 * sandbox and the dev mailbox in one process, so an unhandled 'error' on any listener kills all.
 * Runs against the real CLI over the compiled dist/, like test/cli.test.ts.
 */

const BIN = new URL('../bin/resetdesk.js', import.meta.url).pathname;
const ROUNDS = 20;
/** Never to appear in any log line: message bodies stay out of the logs. */
const BODY_MARKER = 'resilience-body-marker-7f3a';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Served {
  child: ChildProcessWithoutNullStreams;
  api: string;
  sandbox: string;
  smtpPort: number;
  output: () => string;
}

/** Starts `resetdesk serve` in demo mode and waits until the API, the sandbox and the dev mailbox are up. */
function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env } });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve not ready: ${out}`)), 20_000);
    const check = () => {
      const api = out.match(/resetdesk listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const sandbox = out.match(/built-in sandbox at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const smtp = out.match(/"url":"smtp:\/\/127\.0\.0\.1:(\d+)"/)?.[1];
      if (api && sandbox && smtp) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve({ child, api, sandbox, smtpPort: Number(smtp), output: () => out });
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}): ${out}`));
    });
  });
}

function cli(args: string[], env: Record<string, string>): string {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`resetdesk ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    // The server may close first; the test only cares about the server's side.
    socket.on('error', reject);
  });
}

/** Reads SMTP replies; `expect(code)` resolves once the final line of a reply with that code arrives. */
function smtpReader(socket: Socket) {
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    waiter?.();
  });
  return (code: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${code} reply; got ${JSON.stringify(buffer)}`)), 3000);
      waiter = () => {
        const m = buffer.match(/^(\d{3}) .*\r\n/m);
        if (!m) return;
        buffer = buffer.slice(m.index! + m[0].length);
        clearTimeout(timer);
        waiter = undefined;
        if (Number(m[1]) === code) resolve();
        else reject(new Error(`expected ${code}, got ${m[0].trim()}`));
      };
      waiter();
    });
}

/** Ends a connection abruptly: an RST on even rounds, a bare FIN on odd ones. */
function drop(socket: Socket, round: number): void {
  socket.removeAllListeners('error');
  socket.on('error', () => undefined);
  if (round % 2 === 0) socket.resetAndDestroy();
  else socket.destroy();
}

/** EHLO, MAIL FROM, RCPT TO, DATA, half a message, then the client vanishes. */
async function dropSmtpMidMessage(port: number, round: number): Promise<void> {
  const socket = await open(port);
  const reply = smtpReader(socket);
  await reply(220);
  socket.write('EHLO resilience.test\r\n');
  await reply(250);
  socket.write('MAIL FROM:<mallory@example.com>\r\n');
  await reply(250);
  socket.write('RCPT TO:<alice.nguyen@example.com>\r\n');
  await reply(250);
  socket.write('DATA\r\n');
  await reply(354);
  socket.write(`Subject: dropped ${round}\r\nFrom: mallory@example.com\r\n\r\n${BODY_MARKER} line one\r\nand then the client`);
  await sleep(5);
  drop(socket, round);
}

/** An HTTP request cut off mid-headers or mid-body. */
async function dropHttpMidRequest(port: number, path: string, headers: Record<string, string>, round: number): Promise<void> {
  const socket = await open(port);
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Content-Length: 4096',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  if (round % 3 === 2)
    socket.write(`${head.slice(0, head.length - 7)}`); // mid-headers
  else socket.write(`${head}\r\n\r\n{"justification":"${BODY_MARKER}`); // mid-body
  await sleep(5);
  drop(socket, round);
}

const portOf = (url: string) => Number(new URL(url).port);

describe('built-in listeners under dropped connections', () => {
  beforeAll(() => {
    if (!existsSync(new URL('../dist/cli/main.js', import.meta.url)))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  });

  it('serve survives repeated mid-message drops on the dev SMTP, the Okta sandbox and the API, and still resolves a request', async () => {
    const env = { DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'rd-resilience-')), 'r.db')}`, PORT: '0', LOG_LEVEL: 'info' };
    const app = await serve(env);
    const token = cli(['token', 'create', '--email', 'alice.nguyen@example.com', '--role', 'requester'], env).trimEnd().split('\n').at(-1)!;
    const alive = () => ({ exitCode: app.child.exitCode, signal: app.child.signalCode, output: app.output() });
    // A failed step most likely means serve died: say so, with its output.
    const step = (what: string, run: () => Promise<void>) =>
      run().catch((err: Error) => {
        throw new Error(`${what}: ${err.message}\nserve exit=${app.child.exitCode} signal=${app.child.signalCode}\n${app.output()}`);
      });

    for (let round = 0; round < ROUNDS; round++) await step(`SMTP drop ${round}`, () => dropSmtpMidMessage(app.smtpPort, round));
    for (let round = 0; round < ROUNDS; round++) {
      await step(`sandbox token drop ${round}`, () =>
        dropHttpMidRequest(portOf(app.sandbox), '/oauth2/v1/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, round),
      );
      await step(`sandbox reset drop ${round}`, () =>
        dropHttpMidRequest(
          portOf(app.sandbox),
          '/api/v1/users/alice.nguyen@example.com/lifecycle/reset_password?sendEmail=false',
          {
            Authorization: 'SSWS 00DEMO-resetdesk-sandbox-token-not-a-secret',
            'Content-Type': 'application/json',
          },
          round,
        ),
      );
      await step(`API drop ${round}`, () =>
        dropHttpMidRequest(
          portOf(app.api),
          '/api/v1/requests',
          { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          round,
        ),
      );
    }
    // A request target that WHATWG URL rejects gets an answer, not an exception out of the listener.
    await step('sandbox malformed URL', async () => {
      const socket = await open(portOf(app.sandbox));
      const answer = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      socket.write('GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      expect(await answer).toMatch(/^HTTP\/1\.1 400 /);
    });
    // An unhandled 'error' surfaces within a tick or two of the drop; give it room to.
    await sleep(300);
    expect(alive()).toMatchObject({ exitCode: null, signal: null });

    expect((await fetch(`${app.api}/healthz`)).status).toBe(200);
    expect(
      (
        await fetch(`${app.sandbox}/api/v1/users/alice.nguyen@example.com`, {
          headers: { authorization: 'SSWS 00DEMO-resetdesk-sandbox-token-not-a-secret' },
        })
      ).status,
    ).toBe(200);

    // End to end: API → worker → sandbox → SMTP → dev mailbox, all in the same process.
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${app.api}/api/v1/requests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ app: 'Expensify', justification: 'x' }),
    });
    expect(created.status).toBe(201);
    type Mailbox = { messages: { to: string[]; subject: string }[] };
    let mailbox: Mailbox = { messages: [] };
    for (let i = 0; i < 200 && mailbox.messages.length === 0; i++) {
      await sleep(50);
      mailbox = (await (await fetch(`${app.api}/dev/mailbox`)).json()) as Mailbox;
    }
    // None of the half-sent messages was kept; the real one arrived.
    expect(mailbox.messages).toEqual([expect.objectContaining({ to: ['alice.nguyen@example.com'], subject: 'Expensify password reset' })]);
    expect(alive()).toMatchObject({ exitCode: null, signal: null });
    // Errors are logged without what the client sent.
    expect(app.output()).toMatch(/dev mailbox connection error/);
    expect(app.output()).not.toContain(BODY_MARKER);

    app.child.kill('SIGTERM');
    expect(await new Promise((r) => app.child.on('exit', r))).toBe(0);
  });
});
