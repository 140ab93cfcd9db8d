/**
 * The search filter for one login. The login comes from a person, so it is escaped as an RFC 4515
 * assertion value before it replaces `{login}`: `alice*)(mail=*` must match nobody, not everyone.
 */
import { LOGIN_PLACEHOLDER } from './constant.js';

/** The characters RFC 4515 requires escaped in a value, as `\` and two hex digits. */
const ESCAPES: Readonly<Record<string, string>> = { '*': '\\2a', '(': '\\28', ')': '\\29', '\\': '\\5c', '\0': '\\00' };

/** RFC 4515 escaping of an assertion value: `*` → `\2a`, `(` → `\28`, `)` → `\29`, `\` → `\5c`, NUL → `\00`. */
export function escapeFilterValue(value: string): string {
  return Array.from(value, (c) => ESCAPES[c] ?? c).join('');
}

/** `userFilter` with every `{login}` replaced by the escaped login. */
export function buildUserFilter(userFilter: string, login: string): string {
  const escaped = escapeFilterValue(login);
  // A function, not a string, as the replacement: `$&` or `$'` in a login must stay literal.
  return userFilter.replaceAll(LOGIN_PLACEHOLDER, () => escaped);
}
