import { createHash } from 'node:crypto';

/**
 * A stable Message-ID per idempotency key: a send retried after a crash carries the same id, so
 * mail systems that de-duplicate on it show the message once.
 */
export function messageIdFor(idempotencyKey: string, domain = 'resetdesk.local'): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}
