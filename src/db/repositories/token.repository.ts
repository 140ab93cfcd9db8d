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

/** `last_used_at` is written at most this often per token: a busy channel does not write on every call. */
const LAST_USED_PRECISION_MS = 60_000;

export async function findPrincipalByToken(db: Db, token: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'email', 'role', 'last_used_at'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  // So an admin can tell a token in use from a forgotten one before revoking it.
  const now = nowIso();
  if (row.last_used_at === null || Date.parse(now) - Date.parse(row.last_used_at) >= LAST_USED_PRECISION_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { tokenId: row.id, email: row.email, role: row.role as Role };
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

/** A token as admins see it: never its hash. */
export interface ApiTokenInfo {
  id: string;
  email: string;
  role: Role;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKEN_INFO_COLUMNS = ['id', 'email', 'role', 'label', 'created_at', 'last_used_at', 'revoked_at'] as const;

function toTokenInfo(row: {
  id: string;
  email: string;
  role: string;
  label: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): ApiTokenInfo {
  return {
    id: row.id,
    email: row.email,
    role: row.role as Role,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Every token, newest first. */
export async function listApiTokens(db: Db): Promise<ApiTokenInfo[]> {
  const rows = await db.selectFrom('api_tokens').select(TOKEN_INFO_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toTokenInfo);
}

export async function findApiToken(db: Db, id: string): Promise<ApiTokenInfo | null> {
  const row = await db.selectFrom('api_tokens').select(TOKEN_INFO_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toTokenInfo(row) : null;
}
