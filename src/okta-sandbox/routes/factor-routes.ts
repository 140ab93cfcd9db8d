import type { PushTransaction } from '../factor-challenges.js';
import { invalidPasscode } from '../factor-challenges.js';
import { notFound } from '../okta-errors.js';
import type { ApiRoute, RouteContext } from '../router.js';
import type { SandboxFactor, SandboxUser } from '../sandbox-state.js';

/**
 * UserFactor verification: `POST …/factors/{factorId}/verify` (a push, an SMS / email code, a
 * TOTP code) and `GET …/factors/{factorId}/transactions/{transactionId}` (a push's poll link),
 * in the shapes of Okta's `UserFactorVerifyResponse(Waiting)` and `UserFactorPushTransaction`.
 */

function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? '';
}

function userAndFactor(ctx: RouteContext): { user: SandboxUser; factor: SandboxFactor } {
  const user = ctx.state.requireUser(param(ctx, 'userId'));
  const factorId = param(ctx, 'factorId');
  const factor = user.factors.find((f) => f.id === factorId);
  if (!factor) throw notFound(factorId, 'UserFactor');
  return { user, factor };
}

const href = (url: string, allow: string[]) => ({ href: url, hints: { allow } });

/** The body of a push still WAITING (the verify answer and the poll answer are the same shape). */
function waitingJson(tx: PushTransaction, base: string): Record<string, unknown> {
  const txUrl = `${base}/api/v1/users/${tx.userId}/factors/${tx.factorId}/transactions/${tx.id}`;
  return {
    expiresAt: tx.expiresAt,
    factorResult: 'WAITING',
    profile: { credentialId: tx.login },
    _links: { poll: href(txUrl, ['GET']), cancel: href(txUrl, ['DELETE']) },
    ...(tx.correctAnswer === null ? {} : { _embedded: { challenge: { correctAnswer: tx.correctAnswer } } }),
  };
}

/** `verify` and `factor` links, as Okta attaches to a challenge and to a finished push. */
function factorLinks(user: SandboxUser, factorId: string, base: string): Record<string, unknown> {
  const factorUrl = `${base}/api/v1/users/${user.id}/factors/${factorId}`;
  return { verify: href(`${factorUrl}/verify`, ['POST']), factor: href(factorUrl, ['GET', 'DELETE']) };
}

function verifyFactor(ctx: RouteContext) {
  const { user, factor } = userAndFactor(ctx);
  const body = ctx.body && typeof ctx.body === 'object' && !Array.isArray(ctx.body) ? (ctx.body as Record<string, unknown>) : {};
  const outcome = ctx.state.challenges.verify(user, factor, body);
  switch (outcome.kind) {
    case 'push':
      return { status: 201, body: waitingJson(outcome.transaction, ctx.base) };
    case 'challenge':
      return {
        body: {
          factorResult: 'CHALLENGE',
          ...(factor.factorType === 'email' ? {} : { profile: { phoneNumber: '+1-555-0100' } }),
          _links: factorLinks(user, factor.id, ctx.base),
        },
      };
    case 'success':
      return { body: { factorResult: 'SUCCESS' } };
    case 'invalid_passcode':
      throw invalidPasscode();
  }
}

function transactionStatus(ctx: RouteContext) {
  const { user, factor } = userAndFactor(ctx);
  const id = param(ctx, 'transactionId');
  const tx = ctx.state.challenges.transaction(id);
  if (!tx || tx.userId !== user.id || tx.factorId !== factor.id) throw notFound(id, 'Transaction');
  const result = ctx.state.challenges.resultOf(tx);
  if (result === 'WAITING') return { body: waitingJson(tx, ctx.base) };
  if (result === 'SUCCESS') return { body: { factorResult: 'SUCCESS' } };
  return { body: { factorResult: result, profile: { credentialId: user.login }, _links: factorLinks(user, factor.id, ctx.base) } };
}

export const oktaFactorRoutes: ApiRoute[] = [
  { method: 'POST', template: '/api/v1/users/{userId}/factors/{factorId}/verify', scope: 'okta.users.manage', handle: verifyFactor },
  {
    method: 'GET',
    template: '/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}',
    scope: 'okta.users.read',
    handle: transactionStatus,
  },
];
