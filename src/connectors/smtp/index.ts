import { smtpMetadata } from './constant.js';
import { createSmtpMailer } from './smtp.connector.js';
import { smtpConfigGuard } from './types.js';

export { startDevMailbox, type DevMailbox, type ReceivedMail } from './dev-mailbox.js';
export type { Mailer, MailMessage, SmtpConfig } from './types.js';

/** The SMTP connector, in the same shape as every connector: metadata, config guard, factory. */
export const smtpConnector = { metadata: smtpMetadata, configGuard: smtpConfigGuard, create: createSmtpMailer };
export { createSmtpMailer };
