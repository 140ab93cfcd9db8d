/**
 * Generated passwords. Drawn with `crypto.randomInt` (uniform, from the CSPRNG) from four
 * classes, at least one of each, so Active Directory's complexity rule (three of four classes)
 * and most OpenLDAP quality checks accept them. The symbols are ones people can type on any
 * keyboard layout and that survive email and copy-paste: no quotes, backslash or space.
 */
import { randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const SYMBOLS = '-_.!@#%+=';

/** The character classes a generated password draws from, each used at least once. */
export const PASSWORD_CLASSES = [UPPER, LOWER, DIGITS, SYMBOLS] as const;
const ALL = PASSWORD_CLASSES.join('');

function pick(from: string): string {
  return from.charAt(randomInt(from.length));
}

/** A random password of `length` characters (at least 4), with every class present. */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < PASSWORD_CLASSES.length) throw new RangeError('a password needs at least 4 characters');
  const chars = PASSWORD_CLASSES.map(pick);
  while (chars.length < length) chars.push(pick(ALL));
  // Fisher–Yates, so the guaranteed characters are not always the first four.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}
