/**
 * Adaptive Cards (schema 1.4, what Teams renders, Universal Actions included) as plain objects,
 * wrapped as attachments by botbuilder's CardFactory. People's words are escaped: a card renders
 * Markdown, and a justification must not become a link or a heading.
 */
import { CardFactory } from 'botbuilder';
import { CARD_ACTIONS, COMMENT_INPUT_ID } from './constant.js';
import type { OutboundActivity } from './types.js';

type Card = Record<string, unknown>;

/** What an approver sees of an escalated request. */
export interface ApprovalCardRequest {
  requestId: string;
  requester: string;
  app: string;
  priority: string;
  rationale: string;
  justification: string | null;
  /** The request in the web app, when resetdesk's address is known. */
  url?: string;
}

/**
 * The characters that make Markdown's emphasis, links, headings, quotes and code, backslash-escaped
 * (Adaptive Cards' TextBlock and FactSet render a Markdown subset). Dots and dashes stay: an email
 * address must read as one.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()#>|~]/g, (c) => `\\${c}`);
}

const card = (body: Card[], extra: Card = {}): Card => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.4',
  body,
  ...extra,
});
const text = (value: string, extra: Card = {}): Card => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

/** A card as a message's attachment, with `summary` as the text notifications and screen readers show. */
export function cardActivity(summary: string, content: Card): OutboundActivity {
  const attachment = CardFactory.adaptiveCard(content);
  return { text: summary, attachments: [{ contentType: attachment.contentType, content: attachment.content }] };
}

/** The question and one button per app; a press sends `{ action: 'choose_app', app }` back as a message. */
export function appChoiceCard(question: string, choices: readonly string[]): Card {
  return card([text(escapeMarkdown(question))], {
    actions: choices
      .slice(0, 6)
      .map((app) => ({ type: 'Action.Submit', title: app.slice(0, 80), data: { action: CARD_ACTIONS.chooseApp, app } })),
  });
}

function facts(request: ApprovalCardRequest): Card[] {
  const blocks: Card[] = [
    text(`Password reset for ${escapeMarkdown(request.app)}`, { size: 'Medium', weight: 'Bolder' }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Requester', value: escapeMarkdown(request.requester) },
        { title: 'App', value: escapeMarkdown(request.app) },
        { title: 'Priority', value: escapeMarkdown(request.priority) },
        { title: 'Why it waits', value: escapeMarkdown(request.rationale) },
      ],
    },
  ];
  if (request.justification) {
    blocks.push(
      text("In the requester's own words:", { weight: 'Bolder', spacing: 'Medium' }),
      text(escapeMarkdown(request.justification), { isSubtle: true }),
    );
  }
  if (request.url) blocks.push(text(`[Open in resetdesk](${request.url})`));
  return blocks;
}

/**
 * The approvers' card: the request's facts, a comment box (the reason of a denial, the question
 * of Ask for info) and three Universal Actions (`Action.Execute`: Teams sends an
 * `adaptiveCard/action` invoke to the bot, which answers with the card's new state). `refresh`
 * makes Teams ask for the current state whenever someone opens the card, so a card decided
 * elsewhere never offers stale buttons.
 */
export function approvalCard(request: ApprovalCardRequest): Card {
  const data = { requestId: request.requestId };
  const execute = (verb: string, title: string, style?: string) => ({
    type: 'Action.Execute',
    verb,
    title,
    data,
    ...(style ? { style } : {}),
  });
  return card(
    [
      ...facts(request),
      {
        type: 'Input.Text',
        id: COMMENT_INPUT_ID,
        isMultiline: true,
        maxLength: 2000,
        placeholder: 'A reason for a denial, or the question for Ask for info',
        label: 'Comment or question',
      },
    ],
    {
      actions: [
        execute(CARD_ACTIONS.approve, 'Approve', 'positive'),
        execute(CARD_ACTIONS.deny, 'Deny', 'destructive'),
        execute(CARD_ACTIONS.askInfo, 'Ask for info'),
      ],
      refresh: { action: { type: 'Action.Execute', verb: CARD_ACTIONS.refresh, data } },
    },
  );
}

/** The card once its episode is over: the same facts and who decided what; no input, no buttons. */
export function decidedCard(request: ApprovalCardRequest, decision: string, by: string): Card {
  return card([...facts(request), text(`**${escapeMarkdown(decision)}** by ${escapeMarkdown(by)}`, { spacing: 'Medium' })]);
}
