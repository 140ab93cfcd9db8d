import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors/error-codes.js';
import { slackConnector } from './index.js';

const SIGNING_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

describe('the Slack configuration', () => {
  const valid = { botToken: 'xoxb-1-2-abc', signingSecret: SIGNING_SECRET, approversChannel: 'C0123ABCD' };

  it('applies defaults and normalises apiUrl', () => {
    expect(slackConnector.validateConfig(valid)).toEqual({ ...valid, apiUrl: 'https://slack.com/api/', requestTimeoutMs: 10_000 });
    expect(slackConnector.validateConfig({ ...valid, apiUrl: 'http://127.0.0.1:8080/api' }).apiUrl).toBe('http://127.0.0.1:8080/api/');
    expect(slackConnector.validateConfig({ ...valid, approversChannel: '#it-approvers' }).approversChannel).toBe('#it-approvers');
  });

  it('names each bad field without echoing its value', () => {
    const bad = {
      botToken: 'xoxp-user-token-secret',
      signingSecret: 'short-secret',
      approversChannel: 'approvers',
      apiUrl: 'http://slack.example.com/api/',
      requestTimeoutMs: 5,
    };
    let err: unknown;
    try {
      slackConnector.validateConfig(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const { code, message } = err as AppError;
    expect(code).toBe('CONFIG_INVALID');
    for (const field of ['botToken', 'signingSecret', 'approversChannel', 'apiUrl', 'requestTimeoutMs'])
      expect(message).toContain(`slack.${field}`);
    for (const value of ['xoxp-user-token-secret', 'short-secret', 'slack.example.com']) expect(message).not.toContain(value);
  });
});
