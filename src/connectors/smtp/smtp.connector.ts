import nodemailer from 'nodemailer';
import { AppError } from '../../errors/error-codes.js';
import type { Mailer, MailMessage, SmtpConfig } from './types.js';

/**
 * SMTP connections kept open and shared by the sends (nodemailer's pool). A connection per
 * message — TCP, greeting, EHLO, STARTTLS and login each time — was a twentieth of an instance's
 * CPU under load (docs/benchmarks.md). Each connection carries up to 100 messages, then a new one
 * is opened; one the server closes while idle is replaced on the next send.
 */
const POOL_CONNECTIONS = 4;

/**
 * A nodemailer transport behind the Mailer interface, from validated settings (callers use
 * `smtpConnector.create`, index.ts); errors never include the credentials. The URL's own query
 * parameters win over these settings (nodemailer's rule): `?pool=false` sends each message on a
 * connection of its own, `?maxConnections=N` sizes the pool.
 */
export function buildSmtpMailer(config: SmtpConfig): Mailer {
  const transport = nodemailer.createTransport(
    {
      url: config.url,
      pool: true,
      maxConnections: POOL_CONNECTIONS,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    },
    { from: config.from },
  );

  return {
    async send(message: MailMessage) {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
          messageId: message.messageId,
        });
        return { messageId: info.messageId, accepted: info.accepted.map(String) };
      } catch (err) {
        throw new AppError(
          permanentlyRejected(err) ? 'MAIL_REJECTED' : 'MAIL_FAILED',
          `Sending mail to ${message.to} failed: ${describe(err)}`,
        );
      }
    },
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw new AppError('MAIL_FAILED', `SMTP server not ready: ${describe(err)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}

/**
 * The server refused this message or its recipient for good (a 5xx reply to RCPT TO or DATA,
 * e.g. 550 no such mailbox): sending it again gets the same answer. Everything else — a 4xx,
 * a connection or a login problem an admin may fix — is worth retrying.
 */
function permanentlyRejected(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number };
  return (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && typeof e.responseCode === 'number' && e.responseCode >= 500;
}

function describe(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; message?: string };
  // nodemailer messages do not carry the URL's password, but strip any user:pass@ defensively.
  const msg = String(e.message ?? err).replace(/\/\/[^@/\s]+@/g, '//***@');
  return [e.code, e.responseCode, msg].filter(Boolean).join(' ');
}
