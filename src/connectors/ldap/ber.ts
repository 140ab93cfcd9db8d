/**
 * The request value of RFC 3062's Password Modify extended operation, BER-encoded by hand (ldapts
 * sends an extended request's value as given, and its own BER writer is not public API):
 *
 *   PasswdModifyRequestValue ::= SEQUENCE {
 *     userIdentity [0] OCTET STRING OPTIONAL,
 *     oldPasswd    [1] OCTET STRING OPTIONAL,
 *     newPasswd    [2] OCTET STRING OPTIONAL }
 *
 * We send userIdentity (the entry's DN) and newPasswd, never oldPasswd: an administrator's reset.
 */

const SEQUENCE = 0x30;
/** Context-specific, primitive: [0] and [2]. */
const USER_IDENTITY = 0x80;
const NEW_PASSWD = 0x82;

/** A BER definite length: one byte below 128, else 0x80 | n followed by n big-endian bytes. */
export function berLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('a BER length is a non-negative integer');
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.of(tag), berLength(content.length), content]);
}

/** The Password Modify request value for `userIdentity` (a DN) and `newPasswd`, both as UTF-8. */
export function encodePasswordModifyRequest(userIdentity: string, newPasswd: string): Buffer {
  const content = Buffer.concat([tlv(USER_IDENTITY, Buffer.from(userIdentity, 'utf8')), tlv(NEW_PASSWD, Buffer.from(newPasswd, 'utf8'))]);
  return tlv(SEQUENCE, content);
}
