import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './sign-in.service.js';

describe('safeReturnTo', () => {
  it('keeps a path on this site, with its query and fragment', () => {
    expect(safeReturnTo('/requests/req_1?tab=events#history')).toBe('/requests/req_1?tab=events#history');
    expect(safeReturnTo('/')).toBe('/');
  });

  it('sends anything that could reach another site to /', () => {
    for (const value of [
      undefined,
      '',
      'requests',
      'https://evil.example/x',
      'javascript:alert(1)',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/..//evil.example',
      '/.//evil.example/x',
      '/a/..//evil.example',
      '/%2e%2e//evil.example',
      `/${'x'.repeat(2001)}`,
    ]) {
      expect(safeReturnTo(value), String(value)).toBe('/');
    }
  });

  it('returns the path as browsers resolve it, so nothing in it reads as a host', () => {
    expect(safeReturnTo('/a/../b')).toBe('/b');
    expect(safeReturnTo('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
  });
});
