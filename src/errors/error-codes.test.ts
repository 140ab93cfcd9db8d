import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PermanentJobError } from '../jobs/worker.js';
import { AppError, ERROR_CODES, type ErrorCode, isRetryable } from './error-codes.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const API_DOC = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** The rows of the error table in docs/api.md: | `CODE` | status | yes/no | when |. */
function documentedCodes(): Map<string, { status: number; retryable: string }> {
  const doc = readFileSync(API_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('\n## ', doc.indexOf('## Errors') + 1));
  const rows = new Map<string, { status: number; retryable: string }>();
  for (const m of section.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| (\w+) \|/gm)) {
    rows.set(m[1]!, { status: Number(m[2]), retryable: m[3]! });
  }
  return rows;
}

/** Every non-test source file under src/ except this table. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const source = /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !path.endsWith(join('errors', 'error-codes.ts'));
    return source ? [path] : [];
  });
}

describe('the error table', () => {
  it('gives every code an HTTP error status, a retryable flag and a message', () => {
    for (const code of codes) {
      const { status, retryable, message } = ERROR_CODES[code];
      expect(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: status ${status}`).toBe(true);
      expect(typeof retryable, code).toBe('boolean');
      expect(message, code).not.toBe('');
    }
  });

  it('is documented in docs/api.md, code by code, with the same status and retry', () => {
    const rows = documentedCodes();
    const missing = codes.filter((code) => !rows.has(code));
    expect(missing, 'codes missing from the error table in docs/api.md').toEqual([]);
    for (const code of codes) {
      expect(rows.get(code), code).toEqual({ status: ERROR_CODES[code].status, retryable: ERROR_CODES[code].retryable ? 'yes' : 'no' });
    }
    const unknown = [...rows.keys()].filter((code) => !(code in ERROR_CODES));
    expect(unknown, 'codes in docs/api.md that the table does not have').toEqual([]);
  });

  it('has no unused codes: each is raised or mapped somewhere in src/', () => {
    const sources = sourceFiles().map((path) => readFileSync(path, 'utf8'));
    expect(sources.length).toBeGreaterThan(20);
    // A string literal ('CODE' or "CODE") or ERROR_CODES.CODE; a mention in a comment is not a use.
    const used = (code: string) => {
      const pattern = new RegExp(`(['"])${code}\\1|ERROR_CODES\\.${code}\\b`);
      return sources.some((text) => pattern.test(text));
    };
    expect(
      codes.filter((code) => !used(code)),
      'codes nothing in src/ raises',
    ).toEqual([]);
  });
});

describe('isRetryable', () => {
  it('reads an AppError’s code from the table', () => {
    expect(isRetryable(new AppError('OKTA_UNAVAILABLE'))).toBe(true);
    expect(isRetryable(new AppError('OKTA_RATE_LIMITED'))).toBe(true);
    expect(isRetryable(new AppError('MAIL_FAILED'))).toBe(true);
    expect(isRetryable(new AppError('OKTA_ERROR'))).toBe(false);
    expect(isRetryable(new AppError('OKTA_AUTH_FAILED'))).toBe(false);
    expect(isRetryable(new AppError('VALIDATION_FAILED'))).toBe(false);
  });

  it('says no for a PermanentJobError, and yes for anything unexpected', () => {
    expect(isRetryable(new PermanentJobError('bad data'))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(true);
    expect(isRetryable(new TypeError('x is undefined'))).toBe(true);
    expect(isRetryable('a string')).toBe(true);
    expect(isRetryable(undefined)).toBe(true);
  });
});
