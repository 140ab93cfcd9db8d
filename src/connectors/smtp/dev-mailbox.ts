import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';

/** A message as received by a local SMTP listener. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML alternative, when the message had one. */
  html: string | null;
  messageId: string;
  receivedAt: string;
}

export interface DevMailbox {
  /** smtp://127.0.0.1:PORT — give it to the SMTP connector like any server. */
  url: string;
  messages(): ReceivedMail[];
  clear(): void;
  close(): Promise<void>;
}

/**
 * The built-in dev mailbox: a real SMTP server on loopback that keeps what it receives in memory.
 * `serve` uses it when SMTP_URL is unset, and tests use it as their SMTP listener, so mail always
 * travels through nodemailer and SMTP exactly as in production.
 */
export async function startDevMailbox(opts: { host?: string; port?: number; limit?: number; logger?: Logger } = {}): Promise<DevMailbox> {
  const host = opts.host ?? '127.0.0.1';
  const limit = opts.limit ?? 1000;
  const received: ReceivedMail[] = [];
  const log = opts.logger;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      // A client that drops mid-message makes smtp-server destroy this stream with an error; the
      // parser's own listener is a `once`, so keep a lasting one and let the rejection below
      // answer the transaction.
      stream.on('error', (err: Error) => log?.debug(loggableError(err), 'dev mailbox message stream failed'));
      simpleParser(stream).then(
        (parsed) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: (parsed.text ?? '').trimEnd(),
            html: typeof parsed.html === 'string' ? parsed.html : null,
            messageId: parsed.messageId ?? '',
            receivedAt: new Date().toISOString(),
          });
          if (received.length > limit) received.shift();
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  // Lasting: smtp-server re-emits every connection's socket error (e.g. ECONNRESET from a client
  // that vanished mid-message) on the server, and an 'error' event without a listener kills the
  // process — the API, worker and sandbox with it. Log code and message only, never what the client sent.
  server.on('error', (err: Error & { remoteAddress?: string }) =>
    log?.warn({ ...loggableError(err), remoteAddress: err.remoteAddress }, 'dev mailbox connection error'),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `smtp://${host}:${port}`;
  log?.info({ url }, 'dev mailbox listening');
  return {
    url,
    messages: () => [...received],
    clear: () => {
      received.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What may be logged of an SMTP error: its code and message, never the data that caused it. */
function loggableError(err: Error & { code?: unknown }): { code?: string; error: string } {
  return { ...(typeof err.code === 'string' ? { code: err.code } : {}), error: err.message };
}
