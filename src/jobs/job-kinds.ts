import type { EmailTemplate } from '../domain/email-templates.js';

/** Job kinds and their idempotency keys: one key per side effect, so it happens once. */
export const JOB_KINDS = {
  triage: 'triage-request',
  email: 'send-email',
  oktaReset: 'okta-reset-password',
} as const;

export const jobKeys = {
  triage: (requestId: string) => `triage:${requestId}`,
  email: (requestId: string, template: EmailTemplate) => `email:${requestId}:${template}`,
  oktaReset: (requestId: string) => `okta-reset:${requestId}`,
};

export interface EmailJobPayload {
  requestId: string;
  template: EmailTemplate;
  to: string;
  resetUrl?: string | null;
  comment?: string | null;
  /** Close the request once this message is sent (the requester has been told). */
  closeAfter: boolean;
  [key: string]: unknown;
}
