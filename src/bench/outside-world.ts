/**
 * The benchmark's outside world in its own process (forked by bench-harness.ts): the Okta sandbox
 * and the dev mailbox (SMTP). Their request handling, JSON and MIME parsing then neither share
 * resetdesk's event loop nor count in its CPU time — Okta and the mail server are separate
 * servers, as in production — so the measured CPU and overhead are resetdesk's own.
 *
 * Protocol (IPC messages): the parent sends `{ type: 'start', options }`; the child answers
 * `{ type: 'ready', url, apiToken, smtpUrl }`. Then it answers `{ id, op }` with `{ type: 'reply',
 * id, count? }`: `calls` (Okta calls since the last `clear`), `clear` (forget them), `mails`
 * (messages received so far), `throttled` (429s answered since start, cleared calls included),
 * `close`. It exits when the parent disconnects (or dies), so it never outlives a run.
 */
import { startDevMailbox } from '../connectors/smtp/index.js';
import { type SandboxFixture, startOktaSandbox } from '../okta-sandbox/index.js';

export interface OutsideWorldOptions {
  fixture: SandboxFixture;
  /** Added by the sandbox to every Okta answer. */
  latencyMs: number;
  /** Messages the mailbox keeps between two counts (it is counted and emptied every 200 ms). */
  mailLimit: number;
  /** The sandbox's budget per rate-limit bucket (method + path template). */
  rateLimit: { limit: number; windowSeconds: number };
}

export type OutsideWorldRequest = { type: 'start'; options: OutsideWorldOptions } | { id: number; op: OutsideWorldOp };
export type OutsideWorldOp = 'calls' | 'clear' | 'mails' | 'throttled' | 'close';
export type OutsideWorldReply =
  | { type: 'ready'; url: string; apiToken: string; smtpUrl: string }
  | { type: 'reply'; id: number; count?: number };

/** How often the mailbox is counted and emptied: a 20,000-request run must not keep 20,000 messages. */
const MAIL_DRAIN_MS = 200;

async function serve(options: OutsideWorldOptions): Promise<void> {
  const send = (reply: OutsideWorldReply) => process.send?.(reply);
  const sandbox = await startOktaSandbox({
    fixture: options.fixture,
    rateLimit: options.rateLimit,
    ...(options.latencyMs > 0 ? { latencyMs: options.latencyMs } : {}),
  });
  const mailbox = await startDevMailbox({ limit: options.mailLimit });
  let mails = 0;
  let clearedThrottled = 0;
  // Counting and emptying in one synchronous step: no message can arrive in between.
  const drain = () => {
    mails += mailbox.messages().length;
    mailbox.clear();
  };
  const drainer = setInterval(drain, MAIL_DRAIN_MS);
  const throttled = (calls = sandbox.calls()) => calls.filter((c) => c.status === 429).length;
  process.on('message', (msg: OutsideWorldRequest) => {
    if ('type' in msg) return;
    void (async () => {
      let count: number | undefined;
      if (msg.op === 'calls') count = sandbox.calls().length;
      if (msg.op === 'throttled') count = clearedThrottled + throttled();
      if (msg.op === 'mails') {
        drain();
        count = mails;
      }
      if (msg.op === 'clear') {
        clearedThrottled += throttled();
        sandbox.clearCalls();
      }
      if (msg.op === 'close') {
        clearInterval(drainer);
        await sandbox.close();
        await mailbox.close();
      }
      send({ type: 'reply', id: msg.id, ...(count === undefined ? {} : { count }) });
    })();
  });
  send({ type: 'ready', url: sandbox.url, apiToken: sandbox.apiToken, smtpUrl: mailbox.url });
}

if (process.send) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', (msg: OutsideWorldRequest) => {
    if (!('type' in msg) || msg.type !== 'start') return;
    serve(msg.options).catch((err: unknown) => {
      process.stderr.write(`outside world failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
  });
}
