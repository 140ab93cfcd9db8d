import { describe, expect, it } from 'vitest';
import { classifySignOnMode, resolveResetMethod } from './sign-on-mode.js';
import { RESET_METHODS } from './types.js';

describe('classifySignOnMode', () => {
  it.each([
    ['AUTO_LOGIN', 'swa'],
    ['BROWSER_PLUGIN', 'swa'],
    ['SECURE_PASSWORD_STORE', 'swa'],
    ['BASIC_AUTH', 'swa'],
    ['SAML_2_0', 'federated'],
    ['SAML_1_1', 'federated'],
    ['OPENID_CONNECT', 'federated'],
    ['WS_FEDERATION', 'federated'],
    ['BOOKMARK', 'other'],
    ['SOMETHING_NEW', 'other'],
    ['', 'other'],
    [' saml_2_0 ', 'federated'],
  ] as const)('%j → %s', (mode, expected) => {
    expect(classifySignOnMode(mode)).toBe(expected);
  });

  it('treats a missing mode as other', () => {
    expect(classifySignOnMode(null)).toBe('other');
    expect(classifySignOnMode(undefined)).toBe('other');
  });
});

describe('resolveResetMethod', () => {
  it.each([
    ['AUTO_LOGIN', 'swa_link'],
    ['OPENID_CONNECT', 'okta_reset'],
    ['BOOKMARK', 'unknown'],
    [null, 'unknown'],
  ] as const)('auto + %s → %s', (mode, expected) => {
    expect(resolveResetMethod('auto', mode)).toBe(expected);
  });

  it('lets every catalog override win over the sign-on mode', () => {
    for (const method of RESET_METHODS.filter((m) => m !== 'auto')) {
      for (const mode of ['AUTO_LOGIN', 'SAML_2_0', 'BOOKMARK', null]) {
        expect(resolveResetMethod(method, mode)).toBe(method);
      }
    }
  });
});
