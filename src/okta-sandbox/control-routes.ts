import type { IncomingMessage } from 'node:http';
import type { PushAnswer } from './factor-challenges.js';
import type { SandboxState, SandboxUser } from './sandbox-state.js';

/**
 * The sandbox's control routes, under `/sandbox` (outside Okta's `/api/v1`): what in a real org
 * happens on the user's phone or in their browser. Each needs the sandbox's SSWS token; none
 * appears in the call log or spends rate limit, so tests' Okta call counts stay exact.
 *
 *   GET  /sandbox/push                          pushes waiting for an answer (user, number challenge)
 *   POST /sandbox/push/{transactionId}/approve  the phone approves it (…/reject: denies it)
 *   GET  /sandbox/codes[?user=LOGIN]            SMS / email codes "sent"
 *   GET  /sandbox/users/{idOrLogin}/totp        the code the user's authenticator app shows now
 *   POST /sandbox/users/{idOrLogin}/password    the user sets a new password (RECOVERY → ACTIVE, System Log event)
 */

interface ControlReply {
  status: number;
  body: unknown;
}

const error = (status: number, code: string, message: string): ControlReply => ({ status, body: { error: code, message } });

/** The user's TOTP factor and the code it shows now, or null when it has no ACTIVE one. */
function currentTotp(state: SandboxState, user: SandboxUser): { factorId: string; code: string } | null {
  const factor = user.factors.find((f) => f.factorType === 'token:software:totp' && f.status === 'ACTIVE');
  return factor ? { factorId: factor.id, code: state.challenges.totpCode(factor) } : null;
}

export function controlApi(
  req: IncomingMessage,
  segments: string[],
  query: URLSearchParams,
  state: SandboxState,
  apiToken: string,
): ControlReply {
  if (req.headers.authorization !== `SSWS ${apiToken}`)
    return error(401, 'unauthorized', 'Send the sandbox API token: Authorization: SSWS <token>.');
  const method = req.method ?? 'GET';
  const [, first, second, third] = segments;
  const route = `${method} ${segments.length}`;
  if (first === 'push' && route === 'GET 2') return { status: 200, body: state.challenges.pending() };
  if (first === 'push' && segments.length === 4 && (third === 'approve' || third === 'reject')) {
    if (method !== 'POST') return error(405, 'method_not_allowed', 'Use POST.');
    try {
      const tx = state.challenges.answer(second ?? '', third as PushAnswer);
      return { status: 200, body: { transactionId: tx.id, userId: tx.userId, login: tx.login, factorResult: tx.answer } };
    } catch (err) {
      const message = (err as Error).message;
      return /no push transaction/.test(message) ? error(404, 'not_found', message) : error(409, 'not_waiting', message);
    }
  }
  if (first === 'codes' && route === 'GET 2') {
    const login = query.get('user')?.toLowerCase();
    const user = login ? state.findUser(login) : undefined;
    return { status: 200, body: state.challenges.sentCodes().filter((c) => !login || c.userId === user?.id) };
  }
  if (first === 'users' && segments.length === 4) {
    const user = state.findUser(second ?? '');
    if (!user) return error(404, 'not_found', `No user "${second}".`);
    if (third === 'totp' && method === 'GET') {
      const totp = currentTotp(state, user);
      if (!totp) return error(404, 'not_found', `${user.login} has no ACTIVE TOTP factor.`);
      return { status: 200, body: { userId: user.id, login: user.login, ...totp } };
    }
    if (third === 'password' && method === 'POST') {
      try {
        const event = state.completePasswordChange(user);
        return {
          status: 200,
          body: { userId: user.id, status: user.status, eventType: event.eventType, uuid: event.uuid, published: event.published },
        };
      } catch (err) {
        return error(409, 'not_allowed', (err as Error).message);
      }
    }
  }
  return error(404, 'not_found', 'No such sandbox control route.');
}
