/**
 * The emails resetdesk sends: to requesters (outcomes, and `reset_reminder` when an Okta reset link
 * goes unused), to approvers (escalation notices and reminders), and `reset_failed_approver` to the
 * approver of a reset Okta refused. Pure: the send-email job renders
 * one of these from the request as stored and the job's payload, so a retried job renders the
 * same message.
 *
 * Each template is ONE definition — a subject and a few blocks (paragraphs of lines, a list of
 * facts, a list, a quotation, links) — rendered twice: as plain text and as HTML, where every
 * value is escaped. The mailer sends both (multipart/alternative).
 */

const EMAIL_TEMPLATES = [
  'received',
  'question',
  'reset_link',
  'escalated',
  'denied',
  'okta_reset_sent',
  'approved_manual',
  'rejected_by_approver',
  'pending_external',
  'external_completed',
  'new_password',
  'reset_failed',
  'reset_failed_approver',
  'approver_external_failed',
  'cancelled',
  'approver_escalated',
  'approver_reminder',
  'reset_reminder',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Every template, for tests and docs. */
export const ALL_EMAIL_TEMPLATES: readonly EmailTemplate[] = EMAIL_TEMPLATES;

/** An approver notice's facts: which group it goes to, and for a reminder, which one. */
export interface ApproverNotice {
  /** The group the recipient was notified as a member of. */
  group: string;
  /** `approvers`: the request's approver group; `backup`: the policy's backup group. */
  audience: 'approvers' | 'backup';
  /** The request's approver group (named in the backup group's copy). */
  approverGroup: string;
  /** Whole hours the request has waited since it was escalated (reminders). */
  waitedHours?: number;
}

export interface EmailContext {
  requestId: string;
  app: string;
  /** Whose request it is (named in the approvers' emails). */
  requester: string;
  rationale: string | null;
  resetUrl?: string | null;
  comment?: string | null;
  /** The request's API address, shown to requesters (`${PUBLIC_URL}/api/v1/requests/{id}`). */
  statusUrl?: string | null;
  /** The request in the web app (`${PUBLIC_URL}/requests/{id}`), linked from approvers' emails and questions. */
  requestUrl?: string | null;
  /** `question`: what the requester is asked. */
  question?: string | null;
  /** `question`: "Did you mean …?" app names. */
  candidates?: readonly string[];
  /** `question`: hours without an answer before the request is cancelled. */
  waitingHours?: number | null;
  /** `cancelled`: why. */
  reason?: string | null;
  /** Approver emails: the requester's justification, shown as their own words. */
  justification?: string | null;
  /** Approver emails: the account to reset when it is not the requester's own. */
  targetUser?: string | null;
  priority?: string | null;
  ruleId?: string | null;
  notice?: ApproverNotice | null;
  /** `reset_reminder`: whole hours since Okta sent the reset link. */
  hoursSinceReset?: number | null;
  /** `new_password`: the password a store set; only ever in this one email, never stored. */
  password?: string | null;
  /** `new_password`: the directory will ask for a new password at the next sign-in. */
  mustChange?: boolean | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** One line of a paragraph: text, a labelled value, or a link. */
type Line = string | { label: string; value: string } | { href: string };

/** The parts an email is made of; each renders as text and as HTML. */
type Block =
  | { kind: 'p'; lines: Line[] }
  | { kind: 'facts'; items: { label: string; value: string }[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'quote'; label: string; text: string };

interface EmailDefinition {
  subject: string;
  blocks: Block[];
}

const p = (...lines: (Line | false | null | undefined | '')[]): Block => ({
  kind: 'p',
  lines: lines.filter((l): l is Line => l !== false && l !== null && l !== undefined && l !== ''),
});
const reasonLine = (value: string | null | undefined): Line => ({ label: 'Reason', value: value ?? '' });

/** The last paragraph of a requester's email: which request, and what to do if it was not them. */
function requesterFooter(c: EmailContext): Block {
  return p(
    `Request: ${c.requestId}${c.statusUrl ? ` (${c.statusUrl})` : ''}`,
    'If you did not ask for this, contact IT support right away.',
  );
}

/**
 * What an approver needs to decide: who, what, how urgent, why, and the requester's own words.
 * `why` labels the rationale: why the request needs a human, or what went wrong.
 */
function approverFacts(c: EmailContext, why = 'Why it needs a human'): Block[] {
  const items = [
    { label: 'Requester', value: c.requester },
    ...(c.targetUser ? [{ label: 'Account to reset', value: c.targetUser }] : []),
    { label: 'App', value: c.app },
    { label: 'Priority', value: c.priority ?? 'Medium' },
    ...(c.ruleId ? [{ label: 'Rule', value: c.ruleId }] : []),
    { label: why, value: c.rationale ?? '' },
  ];
  const blocks: Block[] = [{ kind: 'facts', items }];
  if (c.justification) {
    blocks.push({ kind: 'quote', label: "Justification (the requester's own words, not verified by resetdesk)", text: c.justification });
  }
  return blocks;
}

function approverFooter(c: EmailContext): Block {
  return c.requestUrl
    ? p('Open the request to approve or deny it:', { href: c.requestUrl }, `Request: ${c.requestId}`)
    : p('Approve or deny it in resetdesk: Requests, then Queue.', `Request: ${c.requestId}`);
}

function hours(n: number): string {
  return `${n} hour${n === 1 ? '' : 's'}`;
}

/** The definition of each template. */
function define(template: EmailTemplate, c: EmailContext): EmailDefinition {
  switch (template) {
    case 'received':
      // For a request a channel (help desk, chat) filed on someone's behalf: they learn of it here.
      return {
        subject: `${c.app} password reset: request received`,
        blocks: [
          p(`A password reset request for your ${c.app} account was filed for you. resetdesk is checking it now.`),
          p('You will get another email when it has been decided.'),
          requesterFooter(c),
        ],
      };
    case 'question': {
      const blocks: Block[] = [
        p(`Your ${c.app} password reset request needs more details from you before it can go on.`),
        { kind: 'facts', items: [{ label: 'Question', value: c.question ?? '' }] },
      ];
      if (c.candidates && c.candidates.length > 0) {
        blocks.push(p('Did you mean one of these apps?'), { kind: 'list', items: [...c.candidates] });
      }
      blocks.push(
        p(
          'To answer, reply on the request page:',
          c.requestUrl ? { href: c.requestUrl } : null,
          `or send POST /api/v1/requests/${c.requestId}/reply with your answer.`,
        ),
        p(
          c.waitingHours
            ? `Without an answer within ${hours(c.waitingHours)}, the request is cancelled.`
            : 'Without an answer, the request is cancelled after a while.',
        ),
        requesterFooter(c),
      );
      return { subject: `${c.app} password reset: we need more details`, blocks };
    }
    case 'reset_link':
      // Wording follows seed 000's email automation.
      return {
        subject: `${c.app} password reset`,
        blocks: [p(`Please find the link to reset your ${c.app} account below:`, { href: c.resetUrl ?? '' }), requesterFooter(c)],
      };
    case 'escalated':
      return {
        subject: `${c.app} password reset: waiting for approval`,
        blocks: [
          p(`Your ${c.app} password reset request needs a human approver before anything is reset.`, reasonLine(c.rationale)),
          p('You will get another email when it has been decided.'),
          requesterFooter(c),
        ],
      };
    case 'denied':
      return {
        subject: `${c.app} password reset: declined`,
        blocks: [
          p(`Your ${c.app} password reset request was declined.`, reasonLine(c.rationale)),
          p('If you think this is wrong, contact IT support.'),
          requesterFooter(c),
        ],
      };
    case 'okta_reset_sent':
      return {
        subject: `${c.app} password reset: approved`,
        blocks: [
          p(`Your ${c.app} password reset was approved. Okta has sent you a separate email with a link to choose a new password.`),
          requesterFooter(c),
        ],
      };
    case 'approved_manual':
      // No automatic reset path (no reset link in the catalog, or a bookmark-style app): the
      // approver owns the reset, so the email must not claim anything was sent.
      return {
        subject: `${c.app} password reset: approved`,
        blocks: [
          p(
            `Your ${c.app} password reset was approved. There is no self-service reset for ${c.app}, so IT will reset it and contact you with the next step.`,
            c.comment ? { label: 'Comment', value: c.comment } : null,
          ),
          requesterFooter(c),
        ],
      };
    case 'rejected_by_approver':
      return {
        subject: `${c.app} password reset: declined by an approver`,
        blocks: [
          p(`An approver declined your ${c.app} password reset request.`, c.comment ? { label: 'Comment', value: c.comment } : null),
          requesterFooter(c),
        ],
      };
    case 'pending_external':
      return {
        subject: `${c.app} password reset: in progress`,
        blocks: [
          p(
            `Your ${c.app} password is kept outside Okta, so your request has been submitted to the system that manages that account. You will get another email when it is done.`,
          ),
          requesterFooter(c),
        ],
      };
    case 'external_completed':
      // PendingExternal → Completed: the system (or team) that manages the account reset it.
      return {
        subject: `${c.app} password reset: completed`,
        blocks: [
          p(
            `Your ${c.app} password has been reset by the system that manages that account. Follow its instructions to choose a new password.`,
            c.comment ? { label: 'Comment', value: c.comment } : null,
          ),
          requesterFooter(c),
        ],
      };
    case 'new_password':
      // A store set the password (an LDAP reset, or an external system that chose it): this email
      // is the only place it exists. Rendered from the job's sealed copy, which is then wiped.
      return {
        subject: `${c.app} password reset: your new password`,
        blocks: [
          p(`Your ${c.app} password has been reset. Your new password is below; resetdesk keeps no copy of it.`),
          { kind: 'facts', items: [{ label: 'New password', value: c.password ?? '' }] },
          p(
            c.mustChange
              ? 'You will be asked to choose a password of your own when you next sign in.'
              : 'Choose a password of your own as soon as you have signed in.',
          ),
          requesterFooter(c),
        ],
      };
    case 'reset_reminder':
      // Once, after an approved Okta reset nobody has completed (jobs/after-reset.jobs.ts). Not a
      // final email: the request was closed by the approval's email.
      return {
        subject: `${c.app} password reset: the Okta link has not been used`,
        blocks: [
          p(
            `Okta sent you a password reset link ${c.hoursSinceReset ? `${hours(c.hoursSinceReset)} ago` : 'a while ago'}; it has not been used yet, so your new password is not set.`,
            'Look for the email from Okta (check your spam folder) and follow its link to choose a new password. The link expires after a while; if it has, file a new request.',
          ),
          requesterFooter(c),
        ],
      };
    case 'reset_failed':
      return {
        subject: `${c.app} password reset: could not be completed`,
        blocks: [
          p(`Your ${c.app} password reset could not be completed.`, reasonLine(c.rationale)),
          p('Contact IT support.'),
          requesterFooter(c),
        ],
      };
    case 'cancelled':
      return {
        subject: `${c.app} password reset: cancelled`,
        blocks: [
          p(`Your ${c.app} password reset request was cancelled.`, reasonLine(c.reason ?? c.rationale)),
          p('Nothing was reset. If you still need a reset, file a new request.'),
          requesterFooter(c),
        ],
      };
    case 'reset_failed_approver':
      // To the approver, who thinks the reset done: it was not, and the requester has been told.
      return {
        subject: `${c.app} password reset for ${c.requester}: could not be completed`,
        blocks: [
          p(
            `You approved the ${c.app} password reset requested by ${c.requester}, but it could not be carried out, so the request was rejected.`,
            reasonLine(c.rationale),
          ),
          p(`${c.requester} has been told to contact IT support.`),
          p(`Request: ${c.requestId}${c.statusUrl ? ` (${c.statusUrl})` : ''}`),
        ],
      };
    case 'approver_external_failed':
      // The store's executor failed, refused the job or never answered: the requester was told,
      // and a human owns what happens next.
      return {
        subject: `${c.app} password reset for ${c.requester}: the external system did not complete it`,
        blocks: [
          p(
            `The external system that resets ${c.app} passwords did not complete the reset requested by ${c.requester}, so the request ended as Completed With Failure. You are notified as a member of ${c.notice?.group ?? 'its approvers'}: reset it by hand or contact the requester.`,
          ),
          ...approverFacts(c, 'What happened'),
          c.requestUrl ? p('The request:', { href: c.requestUrl }, `Request: ${c.requestId}`) : p(`Request: ${c.requestId}`),
        ],
      };
    case 'approver_escalated':
      return {
        subject: `${c.app} password reset for ${c.requester}: approval needed`,
        blocks: [
          p(
            `A password reset request needs a decision by ${c.notice?.group ?? 'its approvers'}. You are notified as a member of that group; the first approver to decide settles it.`,
          ),
          ...approverFacts(c),
          approverFooter(c),
        ],
      };
    case 'approver_reminder': {
      const backup = c.notice?.audience === 'backup';
      const waited = c.notice?.waitedHours;
      const since = waited !== undefined ? `for ${hours(waited)}` : 'longer than the agreed time';
      return {
        subject: backup
          ? `Escalated to ${c.notice?.group}: ${c.app} password reset for ${c.requester} is still waiting`
          : `Reminder: ${c.app} password reset for ${c.requester} is still waiting`,
        blocks: [
          p(
            backup
              ? `This request has waited ${since} without a decision by ${c.notice?.approverGroup}, so it is escalated to the backup group ${c.notice?.group}, of which you are a member.`
              : `This request has waited ${since} for a decision by ${c.notice?.group ?? 'its approvers'}, of which you are a member.`,
          ),
          ...approverFacts(c),
          approverFooter(c),
        ],
      };
    }
  }
}

export function renderEmail(template: EmailTemplate, c: EmailContext): RenderedEmail {
  const { subject, blocks } = define(template, c);
  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}

function lineText(line: Line): string {
  if (typeof line === 'string') return line;
  if ('href' in line) return line.href;
  return `${line.label}: ${line.value}`;
}

function blockText(b: Block): string {
  switch (b.kind) {
    case 'p':
      return b.lines.map(lineText).join('\n');
    case 'facts':
      return b.items.map((i) => `${i.label}: ${i.value}`).join('\n');
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'quote':
      return `${b.label}:\n${b.text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')}`;
  }
}

function renderText(blocks: Block[]): string {
  return `Hello,\n\n${blocks.map(blockText).join('\n\n')}\n`;
}

/** Escapes text for HTML element content and double-quoted attributes. */
function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only web addresses become links; anything else is shown as text. */
function linkHtml(href: string): string {
  const safe = escapeHtml(href);
  return /^https?:\/\//i.test(href) ? `<a href="${safe}">${safe}</a>` : safe;
}

function lineHtml(line: Line): string {
  if (typeof line === 'string') return escapeHtml(line);
  if ('href' in line) return linkHtml(line.href);
  return `<strong>${escapeHtml(line.label)}:</strong> ${escapeHtml(line.value)}`;
}

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'p':
      return `<p>${b.lines.map(lineHtml).join('<br>\n')}</p>`;
    case 'facts':
      return `<table role="presentation">\n${b.items
        .map((i) => `<tr><th align="left" valign="top">${escapeHtml(i.label)}</th><td>${escapeHtml(i.value)}</td></tr>`)
        .join('\n')}\n</table>`;
    case 'list':
      return `<ul>\n${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n')}\n</ul>`;
    case 'quote':
      return `<p><strong>${escapeHtml(b.label)}:</strong></p>\n<blockquote>${escapeHtml(b.text).replace(/\n/g, '<br>\n')}</blockquote>`;
  }
}

function renderHtml(subject: string, blocks: Block[]): string {
  const body = blocks.map(blockHtml);
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.4">',
    '<p>Hello,</p>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
