import { z } from 'zod';

/** SMTP connector configuration: where to send, and who mail comes from. */
export const smtpConfigGuard = z.object({
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://… (implicit TLS). */
  url: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
  from: z.string().min(3),
  timeoutMs: z.number().int().positive().default(15_000),
});
export type SmtpConfig = z.input<typeof smtpConfigGuard>;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
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
