/**
 * The benchmark's outside world in a worker thread: the Okta sandbox and the dev mailbox (SMTP).
 * Their request handling, JSON and MIME parsing then do not share resetdesk's event loop — Okta
 * and the mail server are separate servers, as in production — so the measured decision overhead
 * is resetdesk's own.
 *
 * Protocol (messages on the thread's port): on start it posts `{ type: 'ready', url, apiToken,
 * smtpUrl }`; it answers `{ id, op }` with `{ id, count? }`: `calls` (Okta calls so far), `clear`
 * (forget them), `mails` (messages received so far), `close`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startDevMailbox } from '../connectors/smtp/index.js';
import { type SandboxFixture, startOktaSandbox } from '../okta-sandbox/index.js';

export interface SandboxThreadData {
  fixture: SandboxFixture;
  latencyMs: number;
  /** Messages the mailbox keeps. */
  mailLimit: number;
}

export type SandboxThreadRequest = { id: number; op: 'calls' | 'clear' | 'mails' | 'close' };
export type SandboxThreadReply =
  | { type: 'ready'; url: string; apiToken: string; smtpUrl: string }
  | { type: 'reply'; id: number; count?: number };

const port = parentPort;
if (port) {
  const data = workerData as SandboxThreadData;
  const sandbox = await startOktaSandbox({ fixture: data.fixture, ...(data.latencyMs > 0 ? { latencyMs: data.latencyMs } : {}) });
  const mailbox = await startDevMailbox({ limit: data.mailLimit });
  port.on('message', (msg: SandboxThreadRequest) => {
    void (async () => {
      if (msg.op === 'calls')
        return port.postMessage({ type: 'reply', id: msg.id, count: sandbox.calls().length } satisfies SandboxThreadReply);
      if (msg.op === 'mails')
        return port.postMessage({ type: 'reply', id: msg.id, count: mailbox.messages().length } satisfies SandboxThreadReply);
      if (msg.op === 'clear') sandbox.clearCalls();
      if (msg.op === 'close') {
        await sandbox.close();
        await mailbox.close();
        port.postMessage({ type: 'reply', id: msg.id } satisfies SandboxThreadReply);
        port.close();
        return;
      }
      port.postMessage({ type: 'reply', id: msg.id } satisfies SandboxThreadReply);
    })();
  });
  port.postMessage({ type: 'ready', url: sandbox.url, apiToken: sandbox.apiToken, smtpUrl: mailbox.url } satisfies SandboxThreadReply);
}
