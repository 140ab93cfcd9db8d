import type { AppContext } from '../app-context.js';
import { type ApiTokenInfo, createApiToken, findApiToken, listApiTokens, revokeApiToken } from '../db/repositories/token.repository.js';
import type { Role } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

/** API tokens as admins manage them: never a hash, and a new token's text only once. */
export function listTokens(ctx: AppContext): Promise<ApiTokenInfo[]> {
  return listApiTokens(ctx.db);
}

export function issueToken(ctx: AppContext, input: { email: string; role: Role; label?: string }): Promise<{ id: string; token: string }> {
  return createApiToken(ctx.db, input);
}

/** Revokes a token; revoking a revoked one changes nothing and answers the same. */
export async function revokeToken(ctx: AppContext, id: string): Promise<ApiTokenInfo> {
  await revokeApiToken(ctx.db, id);
  const token = await findApiToken(ctx.db, id);
  if (!token) throw new AppError('NOT_FOUND', 'No API token with that id.');
  return token;
}
