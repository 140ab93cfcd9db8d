/**
 * The emails resetdesk sends, as plain text: to requesters, and `reset_failed_approver` to the
 * approver of a reset Okta refused. Pure: the send-email job renders one of these from the
 * request as stored, so a retried job renders the same message.
 */

const EMAIL_TEMPLATES = [
  'reset_link',
  'escalated',
  'denied',
  'okta_reset_sent',
  'approved_manual',
  'rejected_by_approver',
  'pending_external',
  'reset_failed',
  'reset_failed_approver',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export interface EmailContext {
  requestId: string;
  app: string;
  /** Whose request it is (named in the approver's email). */
  requester: string;
  rationale: string | null;
  resetUrl?: string | null;
  comment?: string | null;
  statusUrl?: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
}

const FOOTER = (c: EmailContext) =>
  [
    '',
    `Request: ${c.requestId}${c.statusUrl ? ` (${c.statusUrl})` : ''}`,
    'If you did not ask for this, contact IT support right away.',
  ].join('\n');

export function renderEmail(template: EmailTemplate, c: EmailContext): RenderedEmail {
  switch (template) {
    case 'reset_link':
      // Wording follows seed 000's email automation.
      return {
        subject: `${c.app} password reset`,
        text: `Hello,\n\nPlease find the link to reset your ${c.app} account below:\n${c.resetUrl ?? ''}\n${FOOTER(c)}`,
      };
    case 'escalated':
      return {
        subject: `${c.app} password reset: waiting for approval`,
        text: `Hello,\n\nYour ${c.app} password reset request needs a human approver before anything is reset.\nReason: ${c.rationale ?? ''}\n\nYou will get another email when it has been decided.\n${FOOTER(c)}`,
      };
    case 'denied':
      return {
        subject: `${c.app} password reset: declined`,
        text: `Hello,\n\nYour ${c.app} password reset request was declined.\nReason: ${c.rationale ?? ''}\n\nIf you think this is wrong, contact IT support.\n${FOOTER(c)}`,
      };
    case 'okta_reset_sent':
      return {
        subject: `${c.app} password reset: approved`,
        text: `Hello,\n\nYour ${c.app} password reset was approved. Okta has sent you a separate email with a link to choose a new password.\n${FOOTER(c)}`,
      };
    case 'approved_manual':
      // No automatic reset path (no reset link in the catalog, or a bookmark-style app): the
      // approver owns the reset, so the email must not claim anything was sent.
      return {
        subject: `${c.app} password reset: approved`,
        text: `Hello,\n\nYour ${c.app} password reset was approved. There is no self-service reset for ${c.app}, so IT will reset it and contact you with the next step.${c.comment ? `\nComment: ${c.comment}` : ''}\n${FOOTER(c)}`,
      };
    case 'rejected_by_approver':
      return {
        subject: `${c.app} password reset: declined by an approver`,
        text: `Hello,\n\nAn approver declined your ${c.app} password reset request.${c.comment ? `\nComment: ${c.comment}` : ''}\n${FOOTER(c)}`,
      };
    case 'pending_external':
      return {
        subject: `${c.app} password reset: in progress`,
        text: `Hello,\n\nYour ${c.app} password is kept outside Okta, so resetdesk cannot reset it itself: your request waits for the system that manages that account. You will get another email when it is done.\n${FOOTER(c)}`,
      };
    case 'reset_failed':
      return {
        subject: `${c.app} password reset: could not be completed`,
        text: `Hello,\n\nYour ${c.app} password reset could not be completed.\nReason: ${c.rationale ?? ''}\n\nContact IT support.\n${FOOTER(c)}`,
      };
    case 'reset_failed_approver':
      // To the approver, who thinks the reset done: it was not, and the requester has been told.
      return {
        subject: `${c.app} password reset for ${c.requester}: could not be completed`,
        text: `Hello,\n\nYou approved the ${c.app} password reset requested by ${c.requester}, but it could not be carried out in Okta, so the request was rejected.\nReason: ${c.rationale ?? ''}\n\n${c.requester} has been told to contact IT support.\n\nRequest: ${c.requestId}${c.statusUrl ? ` (${c.statusUrl})` : ''}\n`,
      };
  }
}
