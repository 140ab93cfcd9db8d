/**
 * Block Kit messages and views, as plain objects. Anything a person typed (a justification, an
 * app name) goes into `mrkdwn` text only through `escapeMrkdwn`, so it cannot ping @channel,
 * fake a link or a mention; `plain_text` fields need no escaping. Slack's limits are kept: a
 * button's text 75 characters, a select's 100 options, a section's text 3,000 characters.
 */
import { ACTION_IDS, DECISION_COMMENT_CALLBACK_ID } from './constant.js';
import type { SlackBlocks, SlackView } from './types.js';

/** Above this many apps, one select instead of a button each. */
const MAX_BUTTONS = 5;
const MAX_OPTIONS = 100;

/** Slack's mrkdwn escaping: only &, < and > are control characters (its "Formatting text" guide). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const plain = (text: string, max = 75) => ({ type: 'plain_text', text: clip(text, max), emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: clip(text, 3000) });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });

/**
 * "Which app?" with a button per app (action_id `choose_app`, value = the app's name), or one
 * static select when there are more than five. Slack wants action ids unique within a block, so
 * each button sits in its own actions block.
 */
export function appChoiceBlocks(question: string, apps: string[]): SlackBlocks {
  const ask = section(escapeMrkdwn(question));
  if (apps.length <= MAX_BUTTONS) {
    return [
      ask,
      ...apps.map((app, i) => ({
        type: 'actions',
        block_id: `${ACTION_IDS.chooseApp}_${i}`,
        elements: [{ type: 'button', action_id: ACTION_IDS.chooseApp, text: plain(app), value: app }],
      })),
    ];
  }
  return [
    {
      ...ask,
      block_id: ACTION_IDS.chooseApp,
      accessory: {
        type: 'static_select',
        action_id: ACTION_IDS.chooseApp,
        placeholder: plain('Choose an app'),
        options: apps.slice(0, MAX_OPTIONS).map((app) => ({ text: plain(app), value: app })),
      },
    },
  ];
}

/** An escalated request as the approvers see it. */
export interface ApprovalRequest {
  requestId: string;
  requester: string;
  app: string;
  priority: string;
  rationale: string;
  justification: string;
  /** The request in resetdesk's web app. */
  url?: string;
}

/** Slack's quote is per line: every line of the requester's text gets its own `>`. */
function quote(text: string): string {
  return escapeMrkdwn(text)
    .split(/\r?\n/)
    .map((line) => `>${line}`)
    .join('\n');
}

function requestBlocks(r: ApprovalRequest): SlackBlocks {
  const link = r.url ? ` (<${escapeMrkdwn(r.url)}|open in resetdesk>)` : '';
  return [
    section(`*Password reset for ${escapeMrkdwn(r.app)}* requested by ${escapeMrkdwn(r.requester)}${link}`),
    {
      type: 'section',
      fields: [mrkdwn(`*Priority*\n${escapeMrkdwn(r.priority)}`), mrkdwn(`*Why it needs a human*\n${escapeMrkdwn(r.rationale)}`)],
    },
    section(`*In the requester's own words:*\n${quote(r.justification || '(no justification given)')}`),
  ];
}

/** The message asking approvers to decide: Approve (primary), Deny (danger), Ask for info; value = request id. */
export function approvalBlocks(r: ApprovalRequest): SlackBlocks {
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    action_id: actionId,
    text: plain(text),
    value: r.requestId,
    ...(style ? { style } : {}),
  });
  return [
    ...requestBlocks(r),
    {
      type: 'actions',
      block_id: `decision_${r.requestId}`.slice(0, 255),
      elements: [
        button('Approve', ACTION_IDS.approve, 'primary'),
        button('Deny', ACTION_IDS.deny, 'danger'),
        button('Ask for info', ACTION_IDS.askInfo),
      ],
    },
  ];
}

/** The same message once decided: the buttons give way to who decided what. */
export function decidedBlocks(r: ApprovalRequest, decision: string, by: string): SlackBlocks {
  return [...requestBlocks(r), { type: 'context', elements: [mrkdwn(`*${escapeMrkdwn(decision)}* by ${escapeMrkdwn(by)}`)] }];
}

export type CommentKind = 'deny' | 'ask_info' | 'approve';

const COMMENT_TEXT: Record<CommentKind, { title: string; label: string; submit: string; optional: boolean }> = {
  deny: { title: 'Deny request', label: 'Why is it denied?', submit: 'Deny', optional: false },
  ask_info: { title: 'Ask for info', label: 'What do you need to know?', submit: 'Send', optional: false },
  approve: { title: 'Approve request', label: 'Comment (optional)', submit: 'Approve', optional: true },
};

/** The block and action id of the comment input: `values.comment` in the view submission. */
export const COMMENT_BLOCK_ID = 'comment';

/** A modal asking the approver for a comment; callback_id `decision_comment`, private_metadata `{kind, requestId}`. */
export function commentModal(kind: CommentKind, requestId: string): SlackView {
  const text = COMMENT_TEXT[kind];
  return {
    type: 'modal',
    callback_id: DECISION_COMMENT_CALLBACK_ID,
    private_metadata: JSON.stringify({ kind, requestId }),
    title: plain(text.title, 24),
    submit: plain(text.submit, 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'input',
        block_id: COMMENT_BLOCK_ID,
        optional: text.optional,
        label: plain(text.label, 2000),
        element: { type: 'plain_text_input', action_id: COMMENT_BLOCK_ID, multiline: true, max_length: 2000 },
      },
    ],
  };
}

export interface HomeRequest {
  app: string;
  statusLabel: string;
  /** ISO-8601; shown in the reader's own time zone through Slack's date formatting. */
  createdAt: string;
}

/** The Home tab: the person's requests, newest as given first. */
export function homeView(requests: HomeRequest[]): SlackView {
  const rows = requests.slice(0, 50).map((r) => {
    const seconds = Math.floor(Date.parse(r.createdAt) / 1000);
    const when = Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${escapeMrkdwn(r.createdAt)}>` : '';
    return section(`*${escapeMrkdwn(r.app)}* — ${escapeMrkdwn(r.statusLabel)}${when ? `\n${when}` : ''}`);
  });
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: plain('Your password resets', 150) },
      ...(rows.length > 0 ? rows : [section('You have no requests. Send me a message to ask for a password reset.')]),
    ],
  };
}
