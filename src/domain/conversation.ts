/**
 * The chat conversation that gathers a password-reset request, channel-agnostic (Slack, Teams):
 * which app, why, and for whose account. Deterministic on purpose — no language model — so what
 * the person typed maps to a catalog app the same way every time, and a guess is always a
 * question (see app-match.ts: resetting the wrong app is the mistake to avoid). Pure: the
 * service (services/conversation.service.ts) stores the state and files the request.
 */
import { nearAppNames } from './app-match.js';

interface ConversationSlots {
  app: string | null;
  justification: string | null;
  targetUser: string | null;
}

export type ConversationState = {
  step: 'collecting' | 'filed';
  slots: ConversationSlots;
  /** App names offered as choices by the last question ("Which app do you mean?"). */
  offered: string[];
  /** Questions asked so far. */
  asked: number;
  /**
   * What the optional LLM agent proposed for this conversation, kept to compare with the policy's
   * decision once it is made (an `agent_disagreement` event when they differ). Never acted on.
   */
  agent?: {
    app: string | null;
    decision: 'approve' | 'escalate' | 'deny' | null;
    reason: string | null;
    /** The model's cost and what it tried that was refused, for the request's audit log. */
    usage: { promptTokens: number; completionTokens: number };
    latencyMs: number;
    rejected: string[];
  };
};

/** One message to post; `choices` are app names to render as buttons or a select. */
export interface ChatReply {
  text: string;
  choices?: string[];
}

interface ReadyRequest {
  app: string;
  justification: string;
  targetUser: string | null;
}

export interface ReadResult {
  state: ConversationState;
  replies: ChatReply[];
  /** Everything is known: file the request (the state is already `filed`). */
  ready: ReadyRequest | null;
}

/** Past this many questions the chat gives up and points to the web form: a chat is no interrogation. */
const MAX_QUESTIONS = 3;
/** At most this much of the person's own text is ever quoted back. */
export const ECHO_MAX = 200;
const APP_MAX = 200;
const JUSTIFICATION_MAX = 2000;
const EMAIL_MAX = 320;
/** Words beyond the app's name that make a message its own justification. */
const JUSTIFYING_WORDS = 3;

const ASK_WHICH_APP = "Which app's password should be reset?";
const ASK_MEANT_APP = 'Which app do you mean?';
const ASK_WHY = 'Why do you need the reset?';

/*
 * Words that say nothing about why: a greeting plus "reset my password please" is no reason.
 * Only counted for the justification and skipped as near-miss candidates ("the" is no app typo).
 */
const FILLER = new Set(
  [
    'a an and the to of for in on at it is my me i im you your can could would please pls plz hi hello hey',
    'thanks thank there reset password pwd pw account app login help need want with this that do',
  ]
    .join(' ')
    .split(' '),
);

const YES = new Set(['yes', 'y', 'yep', 'yeah', 'yes please', 'correct', 'that one', 'right']);

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// The same characters the API refuses in free text (tabs and line breaks stay), plus bidi overrides.
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
const KEPT_CONTROL = new Set(['\t', '\n', '\r']);

export function newConversation(): ConversationState {
  return { step: 'collecting', slots: { app: null, justification: null, targetUser: null }, offered: [], asked: 0 };
}

/** A free-text message: fills what it can, then asks for what is missing or says it is ready. */
export function readText(state: ConversationState, text: string, catalogNames: readonly string[], requesterEmail: string): ReadResult {
  if (state.step === 'filed') return { state, replies: [], ready: null };
  const clean = cleanText(text);
  const slots = { ...state.slots };
  const target = slots.targetUser === null ? otherEmail(clean, requesterEmail) : null;
  if (target) slots.targetUser = target;
  const words = tokens(clean.replace(EMAIL, ' '));
  // The last question decides how the answer is read: "Why?" takes any text as the reason.
  if (slots.app !== null && slots.justification === null && state.asked > 0) {
    if (clean) slots.justification = clean.slice(0, JUSTIFICATION_MAX);
    return next({ ...state, slots, offered: [] });
  }
  if (slots.app !== null) return next({ ...state, slots });
  const found = findApps(words, catalogNames, state.asked > 0 && state.offered.length === 0);
  if (found.exact.length === 1) slots.app = (found.exact[0] ?? '').slice(0, APP_MAX);
  if (slots.justification === null && countMeaningful(found.rest) >= JUSTIFYING_WORDS)
    slots.justification = clean.slice(0, JUSTIFICATION_MAX);
  if (slots.app !== null) return next({ ...state, slots, offered: [] });
  // "Yes" to a single offered name takes it; anything else unrecognised asks the same again.
  const [only, ...others] = state.offered;
  if (only !== undefined && others.length === 0 && found.near.length === 0 && YES.has(words.join(' '))) {
    return next({ ...state, slots: { ...slots, app: only }, offered: [] });
  }
  const choices = found.exact.length > 1 ? found.exact : found.near.length > 0 ? found.near : state.offered;
  if (choices.length > 0) return ask({ ...state, slots }, ASK_MEANT_APP, choices);
  const preface = state.asked > 0 && words.length > 0 ? `I couldn't find “${echo(clean)}” in the app catalog. ` : '';
  return ask({ ...state, slots }, `${preface}${ASK_WHICH_APP}`, []);
}

/** A button or select press: only an app the last question offered is accepted. */
export function readChoice(
  state: ConversationState,
  appName: string,
  catalogNames: readonly string[],
  _requesterEmail: string,
): ReadResult {
  if (state.step === 'filed') return { state, replies: [], ready: null };
  const chosen = state.offered.find((name) => name === appName && catalogNames.includes(name));
  if (chosen === undefined) {
    const offered = state.offered.filter((name) => catalogNames.includes(name));
    const text =
      offered.length > 0
        ? `“${echo(appName)}” isn't one of the options. ${ASK_MEANT_APP}`
        : `There's nothing to pick right now. ${ASK_WHICH_APP}`;
    return { state, replies: [offered.length > 0 ? { text, choices: offered } : { text }], ready: null };
  }
  return next({ ...state, slots: { ...state.slots, app: chosen }, offered: [] });
}

/**
 * The LLM agent's app, as a question: when the deterministic reading found no app and offers no
 * choice, the agent's catalog app is offered as the one choice ("Did you mean …?") for the person
 * to confirm — a proposal never fills the slot by itself. Null when there is nothing to offer.
 */
export function offerProposedApp(result: ReadResult, app: string | null, catalogNames: readonly string[]): ReadResult | null {
  const last = result.replies.at(-1);
  if (app === null || result.ready !== null || result.state.slots.app !== null || !last || (last.choices?.length ?? 0) > 0) return null;
  if (!catalogNames.includes(app) || result.state.asked === 0) return null;
  return { ...result, state: { ...result.state, offered: [app] }, replies: [{ text: `Did you mean ${app}?`, choices: [app] }] };
}

/** What was filed, in one line. */
export function filedText(filed: { app: string; targetUser: string | null; existing: boolean }): string {
  const whose = filed.targetUser ? `${filed.targetUser}'s` : 'your';
  if (filed.existing) return `You already have an open request for ${whose} ${filed.app} password; I'll follow that one here.`;
  return `Thanks! I've filed a request to reset ${whose} ${filed.app} password. I'll post updates here.`;
}

/** The request as a status update shows it (the API's view has these fields). */
interface StatusView {
  status: string;
  statusLabel: string;
  app: string;
  rationale: string | null;
  question: { text: string } | null;
  /** A Closed request's final status: said instead of "closed". */
  resolution?: string | null;
}

/** One chat line for a request's status, for updates posted in the conversation. */
export function statusText(view: StatusView): string {
  const app = view.app;
  switch (view.status) {
    case 'New':
    case 'Triaging':
      return `Checking your ${app} request…`;
    case 'Verifying':
      return `Please confirm it's you: approve the Okta Verify prompt on your phone (or enter a code in the web app) to continue your ${app} request.`;
    case 'Waiting':
      return view.question ? `Your ${app} request needs your answer: ${view.question.text}` : `Your ${app} request is waiting for you.`;
    case 'Escalated':
      return `Your ${app} request is waiting for IT approval.`;
    case 'PendingExternal':
      return `Your ${app} reset has been handed to the system that manages it; you'll hear when it's done.`;
    case 'Completed':
      return `Your ${app} password reset is done. Check your email for the next step.`;
    case 'Rejected':
      return `Your ${app} request was declined: ${view.rationale ?? 'no reason was given'}`;
    case 'Failed':
      return `The ${app} reset didn't work. IT has been told and will follow up.`;
    case 'Cancelled':
      return `Your ${app} request was cancelled.`;
    case 'Closed':
      return view.resolution && view.resolution !== 'Closed'
        ? statusText({ ...view, status: view.resolution })
        : `Your ${app} request is closed.`;
    default:
      return `Your ${app} request is ${view.statusLabel}.`;
  }
}

/** Asks for what is missing next, or says the request is ready once nothing is. */
function next(state: ConversationState): ReadResult {
  const { app, justification, targetUser } = state.slots;
  if (app === null) return ask(state, ASK_WHICH_APP, []);
  if (justification === null) return ask(state, ASK_WHY, []);
  return { state: { ...state, step: 'filed', offered: [] }, replies: [], ready: { app, justification, targetUser } };
}

/** One question, unless the limit is reached: then what is missing, and the way out. */
function ask(state: ConversationState, text: string, choices: string[]): ReadResult {
  if (state.asked >= MAX_QUESTIONS) {
    const missing = state.slots.app === null ? 'which app' : 'why you need the reset';
    const giveUp = `Sorry, I still don't know ${missing}. Please use the web form, or start again here whenever you like.`;
    return { state: newConversation(), replies: [{ text: giveUp }], ready: null };
  }
  const reply: ChatReply = choices.length > 0 ? { text, choices } : { text };
  return { state: { ...state, offered: choices, asked: state.asked + 1 }, replies: [reply], ready: null };
}

/**
 * Catalog apps in the words: every name found as whole words (a name inside a longer one found
 * too, "jira" in "jira server", is dropped), the words left once they are removed, and near
 * misses over single words and word pairs when nothing matched exactly. `whole`: the words are
 * an answer to "Which app?", so they are first compared as one name.
 */
function findApps(words: string[], catalogNames: readonly string[], whole: boolean): { exact: string[]; near: string[]; rest: string[] } {
  const hits: { name: string; start: number; end: number }[] = [];
  for (const name of catalogNames) {
    const nameWords = tokens(name);
    if (nameWords.length === 0) continue;
    const compact = nameWords.join('');
    for (let i = 0; i < words.length; i++) {
      if (nameWords.every((w, k) => words[i + k] === w)) hits.push({ name, start: i, end: i + nameWords.length });
      else if (nameWords.length > 1 && words[i] === compact) hits.push({ name, start: i, end: i + 1 });
    }
  }
  const kept = hits.filter((h) => !hits.some((o) => o !== h && o.end - o.start > h.end - h.start && o.start <= h.start && h.end <= o.end));
  const exact = [...new Set(kept.map((h) => h.name))];
  const rest = words.filter((_, i) => !kept.some((h) => h.start <= i && i < h.end));
  if (exact.length > 0) return { exact, near: [], rest };
  const candidates = whole && words.length > 0 ? [words.join(' ')] : [];
  words.forEach((w, i) => {
    if (FILLER.has(w)) return;
    candidates.push(w);
    const pair = words[i + 1];
    if (pair !== undefined && !FILLER.has(pair)) candidates.push(`${w} ${pair}`);
  });
  const near: string[] = [];
  const nearWords = new Set<number>();
  for (const candidate of candidates) {
    const found = nearAppNames(candidate, catalogNames);
    if (found.length > 0 && !candidate.includes(' ')) nearWords.add(words.indexOf(candidate));
    for (const name of found) if (!near.includes(name)) near.push(name);
  }
  return { exact: [], near: near.slice(0, 5), rest: words.filter((_, i) => !nearWords.has(i)) };
}

function countMeaningful(words: string[]): number {
  return words.filter((w) => w.length > 1 && !FILLER.has(w)).length;
}

/** Lower-case words, punctuation ignored: "Jira-Server!" → ["jira", "server"]. */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The first address in the text that is not the requester's own: whose account to reset. */
function otherEmail(text: string, requesterEmail: string): string | null {
  const own = requesterEmail.trim().toLowerCase();
  for (const match of text.matchAll(EMAIL)) {
    const address = match[0].toLowerCase().replace(/\.+$/, '');
    if (address !== own && address.length <= EMAIL_MAX) return address;
  }
  return null;
}

/** Control characters dropped, surrounding space trimmed. */
export function cleanText(text: string): string {
  return text.replace(CONTROL, (c) => (KEPT_CONTROL.has(c) ? c : '')).trim();
}

/** The person's text as a reply may quote it: one line, at most ECHO_MAX characters. */
function echo(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= ECHO_MAX ? line : `${line.slice(0, ECHO_MAX - 1)}…`;
}
