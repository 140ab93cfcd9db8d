import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as received by a local SMTP listener. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
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
export async function startDevMailbox(opts: { host?: string; port?: number; limit?: number } = {}): Promise<DevMailbox> {
  const host = opts.host ?? '127.0.0.1';
  const limit = opts.limit ?? 1000;
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: (parsed.text ?? '').trimEnd(),
            messageId: parsed.messageId ?? '',
            receivedAt: new Date().toISOString(),
          });
          if (received.length > limit) received.shift();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://${host}:${port}`,
    messages: () => [...received],
    clear: () => {
      received.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
