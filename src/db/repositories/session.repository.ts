import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

/**
 * Web sign-in state: sign-in attempts (between the redirect to the identity provider and the
 * callback) and signed-in sessions. Like API tokens, cookies are random and only their sha256
 * is stored, so a leaked database holds no usable session.
 */

const hash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;
const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** What the callback checks, kept server-side so any instance can finish the sign-in. */
export interface SignInAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

/** Stores an attempt for `ttlMs`; returns the cookie value that names it. */
export async function createSignInAttempt(db: Db, attempt: SignInAttempt, ttlMs: number): Promise<string> {
  const token = newToken('rdsi');
  await db
    .insertInto('sign_in_attempts')
    .values({
      token_hash: hash(token),
      state: attempt.state,
      nonce: attempt.nonce,
      code_verifier: attempt.codeVerifier,
      return_to: attempt.returnTo,
      created_at: nowIso(),
      expires_at: isoIn(ttlMs),
    })
    .execute();
  return token;
}

/** Takes an attempt once: of two callbacks with the same cookie only one gets it; expired ones are null. */
export async function takeSignInAttempt(db: Db, token: string): Promise<SignInAttempt | null> {
  const row = await db.selectFrom('sign_in_attempts').selectAll().where('token_hash', '=', hash(token)).executeTakeFirst();
  if (!row) return null;
  const deleted = await db.deleteFrom('sign_in_attempts').where('token_hash', '=', row.token_hash).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1 || row.expires_at <= nowIso()) return null;
  return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to };
}

/** A signed-in person as a session row holds them. */
export interface WebSession {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  idToken: string | null;
  expiresAt: string;
  /** The sign-in showed a second factor (the ID token's `amr`). */
  mfa: boolean;
}

/** Starts a session; returns it with the cookie value, which exists only in this return value. */
export async function createWebSession(
  db: Db,
  input: { email: string; name: string | null; role: Role; idToken: string | null; mfa: boolean; ttlMs: number },
): Promise<{ session: WebSession; token: string }> {
  const token = newToken('rds');
  const session: WebSession = {
    id: newId('ses'),
    email: input.email.trim().toLowerCase(),
    name: input.name === null ? null : input.name.slice(0, 200),
    role: input.role,
    idToken: input.idToken,
    expiresAt: isoIn(input.ttlMs),
    mfa: input.mfa,
  };
  await db
    .insertInto('web_sessions')
    .values({
      id: session.id,
      token_hash: hash(token),
      email: session.email,
      name: session.name,
      role: session.role,
      id_token: session.idToken,
      mfa: session.mfa ? 1 : 0,
      created_at: nowIso(),
      expires_at: session.expiresAt,
    })
    .execute();
  return { session, token };
}

/** The unexpired session a cookie value names, or null. */
export async function findWebSession(db: Db, token: string): Promise<WebSession | null> {
  const row = await db
    .selectFrom('web_sessions')
    .select(['id', 'email', 'name', 'role', 'id_token', 'expires_at', 'mfa'])
    .where('token_hash', '=', hash(token))
    .where('expires_at', '>', nowIso())
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    idToken: row.id_token,
    expiresAt: row.expires_at,
    mfa: Number(row.mfa) === 1,
  };
}

/** Ends a session (sign-out); false when it was already gone. */
export async function deleteWebSession(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('web_sessions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Housekeeping: drops expired sessions and attempts (they are already refused when read). */
export async function deleteExpiredSignIns(db: Db): Promise<void> {
  const now = nowIso();
  await db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('sign_in_attempts').where('expires_at', '<=', now).execute();
}
