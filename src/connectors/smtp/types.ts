import { z } from 'zod';

/**
 * SMTP connector configuration: where to send, and who mail comes from. Messages do not repeat
 * the field's name: the caller prefixes it (`smtp.url`, or `SMTP_URL` in loadConfig).
 */
export const smtpConfigSchema = z.object({
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://… (implicit TLS). */
  url: z
    .string()
    .trim()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587'),
  /** An address, optionally with a display name: `IT Support <it@example.com>`. */
  from: z.string().trim().min(3),
  timeoutMs: z.number().int().positive().default(15_000),
});
/** The parsed configuration (defaults applied). */
export type SmtpConfig = z.output<typeof smtpConfigSchema>;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** The same message as HTML; sent with the text as multipart/alternative. */
  html?: string;
  /**
   * Derived from the job's idempotency key, so a retried send carries the same Message-ID and
   * mail systems that de-duplicate on it show the message once.
   */
  messageId: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string; accepted: string[] }>;
  /** Connects and authenticates without sending (readiness). */
  verify(): Promise<void>;
  close(): void;
}
