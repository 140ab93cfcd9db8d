import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

export interface Principal {
  tokenId: string;
  email: string;
  role: Role;
}

/** Tokens are stored as sha256 digests: a leaked database does not leak usable tokens. */
function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token and returns its plaintext, which exists only in this return value. */
export async function createApiToken(db: Db, input: { email: string; role: Role; label?: string }): Promise<{ id: string; token: string }> {
  const token = `rd_${randomBytes(32).toString('base64url')}`;
  const id = newId('tok');
  await db
    .insertInto('api_tokens')
    .values({
      id,
      token_hash: hashToken(token),
      email: input.email.trim().toLowerCase(),
      role: input.role,
      label: input.label ?? null,
      created_at: nowIso(),
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return { id, token };
}

export async function findPrincipalByToken(db: Db, token: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'email', 'role'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { tokenId: row.id, email: row.email, role: row.role as Role } : null;
}

export async function revokeApiToken(db: Db, id: string): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
