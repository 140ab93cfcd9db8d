/**
 * The HTTP side of Slack's inbound requests, before Bolt sees them: the signature check and the
 * body's two encodings. Kept apart from the connector so each rule is easy to find and test.
 */
import { verifySlackRequest } from '@slack/bolt';
import { ERROR_CODES } from '../../errors/error-codes.js';
import { nowMs } from '../../time.js';
import { SIGNATURE_MAX_AGE_SECONDS } from './constant.js';
import type { SlackHeaders, SlackInboundResponse } from './types.js';

/** One header's value; repeated headers (never legitimate here) count as their first value. */
export function header(headers: SlackHeaders, name: string): string | undefined {
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks `x-slack-signature` (v0, HMAC-SHA256 of `v0:{timestamp}:{body}`) with Bolt's
 * verifySlackRequest, against resetdesk's clock. Bolt only refuses timestamps more than five
 * minutes in the past; one more than five minutes ahead is refused here too, or a request signed
 * with a future timestamp could be replayed for longer than Slack intends. Returns why it failed
 * (for the log, never for the caller), or null when the request is Slack's.
 */
export function signatureProblem(rawBody: Buffer, headers: SlackHeaders, signingSecret: string): string | null {
  const signature = header(headers, 'x-slack-signature');
  const timestampText = header(headers, 'x-slack-request-timestamp');
  if (!signature || !timestampText) return 'missing';
  if (!/^\d{1,12}$/.test(timestampText)) return 'malformed';
  const timestamp = Number(timestampText);
  const now = nowMs();
  if (timestamp > Math.floor(now / 1000) + SIGNATURE_MAX_AGE_SECONDS) return 'stale';
  try {
    verifySlackRequest({
      signingSecret,
      body: rawBody.toString('utf8'),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      nowMilliseconds: now,
    });
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    return /stale/.test(message) ? 'stale' : 'mismatch';
  }
}

export type ParsedBody =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: 400 | 415; code: 'INVALID_JSON' | 'VALIDATION_FAILED' | 'UNSUPPORTED_MEDIA_TYPE' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The body as Bolt expects it: the Events API posts JSON; slash commands post form fields; the
 * interactivity endpoint posts one form field, `payload`, holding JSON.
 */
export function parseBody(rawBody: Buffer, headers: SlackHeaders): ParsedBody {
  const contentType = (header(headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const text = rawBody.toString('utf8');
  if (contentType === 'application/json') {
    const body = parseJson(text);
    return body ? { ok: true, body } : { ok: false, status: 400, code: 'INVALID_JSON' };
  }
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    const payload = form.get('payload');
    if (payload === null) {
      const fields = Object.fromEntries(form);
      return Object.keys(fields).length > 0 ? { ok: true, body: fields } : { ok: false, status: 400, code: 'VALIDATION_FAILED' };
    }
    const body = parseJson(payload);
    return body ? { ok: true, body } : { ok: false, status: 400, code: 'INVALID_JSON' };
  }
  return { ok: false, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
}

/** Why POST /slack/events is 404 when an app-level token is set. */
export const SLACK_SOCKET_MODE_ON =
  'Slack runs in Socket Mode on this server (SLACK_APP_TOKEN): its requests arrive over a WebSocket, not at this URL.';

/** resetdesk's error body, `{"error":{"code","message"}}`, as the rest of the API answers. */
export function errorResponse(
  status: number,
  code: 'SLACK_SIGNATURE_INVALID' | 'INVALID_JSON' | 'VALIDATION_FAILED' | 'UNSUPPORTED_MEDIA_TYPE' | 'NOT_FOUND',
): SlackInboundResponse {
  const message =
    code === 'VALIDATION_FAILED'
      ? 'The body holds no Slack request: no form fields and no payload.'
      : code === 'NOT_FOUND'
        ? SLACK_SOCKET_MODE_ON
        : ERROR_CODES[code].message;
  return jsonResponse(status, { error: { code, message } });
}

export function jsonResponse(status: number, body: unknown): SlackInboundResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/** An ack's argument as Slack wants it: JSON for an object, text for a string, empty otherwise. */
export function ackResponse(response: unknown): SlackInboundResponse {
  if (typeof response === 'string' && response !== '') {
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: response };
  }
  if (typeof response === 'object' && response !== null) return jsonResponse(200, response);
  return { status: 200, headers: {}, body: '' };
}

/** Reading Slack's JSON field by field: Bolt's types describe it, but we trust only what we check. */
export type Fields = Record<string, unknown>;
export const record = (v: unknown): Fields => (typeof v === 'object' && v !== null ? (v as Fields) : {});
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A message or mention event in resetdesk's shape; null when it lacks a person or a channel. */
export function message(e: Fields, channelType: string) {
  const userId = str(e.user);
  const channelId = str(e.channel);
  const ts = str(e.ts);
  if (!userId || !channelId || !ts) return null;
  return { userId, channelId, ts, threadTs: str(e.thread_ts), text: str(e.text) ?? '', channelType };
}

/** `view.state.values` (block_id → action_id → state) as block_id → the input's value. */
export function flatten(view: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(record(record(record(view).state).values))) {
    const state = record(Object.values(record(actions))[0]);
    const value =
      str(state.value) ??
      str(record(state.selected_option).value) ??
      str(state.selected_date) ??
      str(state.selected_time) ??
      str(state.selected_user) ??
      str(state.selected_conversation) ??
      str(state.selected_channel);
    if (value !== null) values[blockId] = value;
  }
  return values;
}
