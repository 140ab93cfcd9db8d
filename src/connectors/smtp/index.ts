/** The SMTP connector in the shape every resetdesk connector has (see ../connector.ts). */
import { defineConnector } from '../connector.js';
import { smtpMetadata } from './constant.js';
import { buildSmtpMailer } from './smtp.connector.js';
import { smtpConfigSchema } from './types.js';

export const smtpConnector = defineConnector({ metadata: smtpMetadata, configSchema: smtpConfigSchema, build: buildSmtpMailer });
/** `smtpConnector.create`: validates the settings (CONFIG_INVALID naming each bad field), then opens a transport. */
export const createSmtpMailer = smtpConnector.create;

export { type DevMailbox, type ReceivedMail, startDevMailbox } from './dev-mailbox.js';
export { messageIdFor } from './message-id.js';
export type { Mailer } from './types.js';
