/**
 * A password handed to resetdesk (an LDAP reset generated it, or an external executor sent it)
 * waits in its email job's payload until the email is sent, then is wiped. While it waits it is
 * sealed with AES-256-GCM under JOB_SECRET_KEY, bound to its request (the request id is the
 * additional authenticated data): a database dump or backup shows no password, and a sealed value
 * copied into another request's job does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors/error-codes.js';

const VERSION = 'v1';

/** Seals `secret` for `requestId`: `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
export function sealSecret(key: Buffer | null, requestId: string, secret: string): string {
  const usable = requireKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', usable, iv);
  cipher.setAAD(Buffer.from(requestId, 'utf8'));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Opens a value `sealSecret` made for the same request; throws (not retryable) if it does not open. */
export function openSecret(key: Buffer | null, requestId: string, sealed: string): string {
  const usable = requireKey(key);
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || data === undefined) {
    throw new AppError('CONFIG_INVALID', 'A sealed password is not in the expected form.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', usable, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(requestId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // The usual cause: JOB_SECRET_KEY changed while the email waited.
    throw new AppError('CONFIG_INVALID', 'A sealed password does not open with JOB_SECRET_KEY (was the key changed?).');
  }
}

function requireKey(key: Buffer | null): Buffer {
  if (key?.length === 32) return key;
  throw new AppError('CONFIG_INVALID', 'JOB_SECRET_KEY is not set: a password cannot be held for its email.');
}
