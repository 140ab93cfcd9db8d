import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature both directions carry (jobs to the executor, results back): HMAC-SHA256 of
 * `<timestamp>.<raw body>` with a shared secret, hex-encoded, next to the Unix time it was made.
 * The timestamp is inside the MAC, so a captured message cannot be replayed after MAX_SKEW_SECONDS;
 * within that window the receiver refuses repeats by their content (a finished request).
 */

/** Node lower-cases header names; senders may use any case (`X-Resetdesk-Signature`). */
export const SIGNATURE_HEADER = 'x-resetdesk-signature';
export const TIMESTAMP_HEADER = 'x-resetdesk-timestamp';
/** How far a message's timestamp may be from the receiver's clock, either way. */
export const MAX_SKEW_SECONDS = 300;

/** Longer headers are refused before any work: no honest sender needs more than a few signatures. */
const MAX_HEADER_LENGTH = 2048;
const TIMESTAMP = /^\d{1,12}$/;
const V1_VALUE = /^[0-9a-f]{64}$/;

/** `v1=<lowercase hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`. */
export function sign(secret: string, timestamp: number, rawBody: string | Buffer): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('The timestamp must be whole Unix seconds.');
  return `v1=${mac(secret, String(timestamp), rawBody).toString('hex')}`;
}

/** Over the timestamp as written in the header, so a receiver never re-formats what was signed. */
function mac(secret: string, timestamp: string, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/**
 * Both headers for a message sent now: one `v1=` per secret, comma-separated, so a receiver that
 * knows either the current or the next secret accepts it during a rotation.
 */
export function signatureHeaders(secrets: readonly string[], rawBody: string | Buffer, nowSeconds: number): Record<string, string> {
  if (secrets.length === 0) throw new TypeError('At least one secret is needed to sign a message.');
  const timestamp = Math.floor(nowSeconds);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: secrets.map((secret) => sign(secret, timestamp, rawBody)).join(','),
  };
}

type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Accepts the message when any `v1=` signature matches any of `secrets` and the timestamp is
 * within MAX_SKEW_SECONDS of `nowSeconds`. Other schemes (`v0=`) are skipped, so a sender can add
 * a new scheme before receivers know it. Comparisons are constant-time.
 */
export function verifySignature(input: {
  secrets: readonly string[];
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string | Buffer;
  nowSeconds: number;
}): VerifyResult {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (timestamp.length > MAX_HEADER_LENGTH || signature.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'malformed' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'malformed' };
  const offered = v1Signatures(signature);
  if (offered.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(input.nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };

  let matched = false;
  for (const secret of input.secrets) {
    const expected = mac(secret, timestamp, input.rawBody);
    // Every pair is compared, so the time taken does not say which secret or signature matched.
    for (const candidate of offered) matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** The well-formed `v1=` values (64 lowercase hex digits) as 32-byte buffers; other entries are skipped. */
function v1Signatures(header: string): Buffer[] {
  const found: Buffer[] = [];
  // Node joins a repeated header with ", ", so spaces around entries are allowed.
  for (const entry of header.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed.startsWith('v1=')) continue;
    const hex = trimmed.slice(3);
    if (V1_VALUE.test(hex)) found.push(Buffer.from(hex, 'hex'));
  }
  return found;
}
