import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../errors/error-codes.js';
import {
  createExternalExecutorClient,
  type ExternalJob,
  externalExecutorConnector,
  externalJobSchema,
  externalResultSchema,
  MAX_SKEW_SECONDS,
  SIGNATURE_HEADER,
  sign,
  signatureHeaders,
  TIMESTAMP_HEADER,
  verifySignature,
} from './index.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const NEXT = 'next-secret-0123456789-abcdefghijklmnop';
const NOW = 1_700_000_000;
const BODY = '{"status":"success"}';

const validate = (input: Record<string, unknown>) =>
  externalExecutorConnector.validateConfig({ url: 'https://rpa.example.com/hooks/reset', secret: SECRET, ...input });

/** The CONFIG_INVALID message a bad setting produces. */
function configError(input: Record<string, unknown>): string {
  try {
    validate(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    return (err as AppError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('store configuration', () => {
  it('applies the defaults', () => {
    expect(validate({})).toEqual({
      url: 'https://rpa.example.com/hooks/reset',
      secret: SECRET,
      timeout: 4 * 3_600_000,
      generatesPassword: false,
      requestTimeoutMs: 10_000,
    });
  });

  it('turns durations into milliseconds', () => {
    expect(validate({ timeout: '90s' }).timeout).toBe(90_000);
    expect(validate({ timeout: '30m' }).timeout).toBe(1_800_000);
    expect(validate({ timeout: '4h' }).timeout).toBe(14_400_000);
    expect(validate({ timeout: '2d' }).timeout).toBe(172_800_000);
    expect(validate({ timeout: '1m' }).timeout).toBe(60_000);
    expect(validate({ timeout: '30d' }).timeout).toBe(30 * 86_400_000);
  });

  it('refuses a badly written or out-of-range duration', () => {
    for (const timeout of ['4', '4 hours', '1.5h', '-1h', 'h', '', 3600]) {
      expect(configError({ timeout })).toContain('external.timeout: must be a duration such as 90s, 30m, 4h or 2d');
    }
    expect(configError({ timeout: '59s' })).toContain('external.timeout: must be between 1m and 30d');
    expect(configError({ timeout: '31d' })).toContain('external.timeout: must be between 1m and 30d');
  });

  it('wants https, or http on a loopback host, and no credentials in the URL', () => {
    expect(validate({ url: 'http://127.0.0.1:9000/hooks/reset' }).url).toBe('http://127.0.0.1:9000/hooks/reset');
    expect(validate({ url: 'http://[::1]:9000/x' }).url).toBe('http://[::1]:9000/x');
    expect(configError({ url: 'http://rpa.example.com/hooks' })).toContain('external.url: must be an https:// URL');
    expect(configError({ url: 'ftp://rpa.example.com/' })).toContain('external.url: must be an https:// URL');
    expect(configError({ url: 'not a url' })).toContain('external.url: must be an https:// URL');
    const withCredentials = configError({ url: 'https://bot:hunter2@rpa.example.com/hooks' });
    expect(withCredentials).toContain('external.url: must not contain credentials');
    expect(withCredentials).not.toContain('hunter2');
  });

  it('wants secrets of at least 32 characters without echoing them', () => {
    const message = configError({ secret: 'short-secret-value' });
    expect(message).toContain('external.secret: must be at least 32 characters');
    expect(message).not.toContain('short-secret-value');
    expect(configError({ nextSecret: 'short-next-value' })).toContain('external.nextSecret: must be at least 32 characters');
    expect(configError({ secret: undefined })).toContain('external.secret: is required');
  });

  it('takes a next secret that differs from the current one; empty means unset', () => {
    expect(validate({ nextSecret: NEXT }).nextSecret).toBe(NEXT);
    expect(validate({ nextSecret: '' }).nextSecret).toBeUndefined();
    expect(configError({ nextSecret: SECRET })).toContain('external.nextSecret: must differ from secret');
  });

  it('checks the other settings and refuses unknown keys', () => {
    expect(validate({ generatesPassword: true, requestTimeoutMs: 500 })).toMatchObject({ generatesPassword: true, requestTimeoutMs: 500 });
    expect(configError({ requestTimeoutMs: 99 })).toContain('external.requestTimeoutMs');
    expect(configError({ requestTimeoutMs: 120_001 })).toContain('external.requestTimeoutMs');
    expect(configError({ generatesPassword: 'yes' })).toContain('external.generatesPassword: must be true or false');
    expect(configError({ nextSecert: NEXT })).toContain('nextSecert');
  });
});

describe('signatures', () => {
  const verify = (over: Partial<Parameters<typeof verifySignature>[0]> = {}) => {
    const headers = signatureHeaders([SECRET], BODY, NOW);
    return verifySignature({
      secrets: [SECRET],
      timestamp: headers[TIMESTAMP_HEADER],
      signature: headers[SIGNATURE_HEADER],
      rawBody: BODY,
      nowSeconds: NOW,
      ...over,
    });
  };

  it('signs timestamp "." body with HMAC-SHA256, as lowercase hex', () => {
    expect(sign(SECRET, NOW, BODY)).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(sign(SECRET, NOW, Buffer.from(BODY))).toBe(sign(SECRET, NOW, BODY));
    expect(sign(SECRET, NOW + 1, BODY)).not.toBe(sign(SECRET, NOW, BODY));
    expect(signatureHeaders([SECRET], BODY, NOW + 0.9)).toEqual({
      [TIMESTAMP_HEADER]: String(NOW),
      [SIGNATURE_HEADER]: sign(SECRET, NOW, BODY),
    });
    expect(() => sign(SECRET, 1.5, BODY)).toThrow(TypeError);
  });

  it('accepts a good signature, refuses a tampered body or a wrong secret', () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ rawBody: Buffer.from(BODY) })).toEqual({ ok: true });
    expect(verify({ rawBody: '{"status":"failure"}' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ secrets: [NEXT] })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ secrets: [] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts either secret during a rotation', () => {
    const both = signatureHeaders([SECRET, NEXT], BODY, NOW);
    expect(both[SIGNATURE_HEADER]).toBe(`${sign(SECRET, NOW, BODY)},${sign(NEXT, NOW, BODY)}`);
    const headers = { timestamp: both[TIMESTAMP_HEADER], signature: both[SIGNATURE_HEADER] };
    expect(verify({ ...headers, secrets: [SECRET] })).toEqual({ ok: true });
    expect(verify({ ...headers, secrets: [NEXT] })).toEqual({ ok: true });
    // An executor that already moved to the next secret, checked by a receiver that knows both.
    expect(verify({ signature: sign(NEXT, NOW, BODY), secrets: [SECRET, NEXT] })).toEqual({ ok: true });
    // Node joins a repeated header with ", ".
    expect(verify({ signature: `${sign(NEXT, NOW, BODY)}, ${sign(SECRET, NOW, BODY)}` })).toEqual({ ok: true });
  });

  it('refuses timestamps more than 300 s in the past or the future', () => {
    expect(verify({ nowSeconds: NOW + MAX_SKEW_SECONDS })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW - MAX_SKEW_SECONDS })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW + MAX_SKEW_SECONDS + 1 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ nowSeconds: NOW - MAX_SKEW_SECONDS - 1 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('says which header is missing or malformed', () => {
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: '' })).toEqual({ ok: false, reason: 'missing' });
    for (const timestamp of ['17e8', '-1700000000', ' 1700000000', '1700000000.5', '1234567890123']) {
      expect(verify({ timestamp })).toEqual({ ok: false, reason: 'malformed' });
    }
    const good = sign(SECRET, NOW, BODY);
    for (const signature of [good.slice(3), 'v1=', 'v1=xyz', good.toUpperCase(), `v1=${good.slice(3).toUpperCase()}`, 'garbage']) {
      expect(verify({ signature })).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verify({ signature: `${good},${'x'.repeat(2048)}` })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('ignores schemes it does not know', () => {
    const good = sign(SECRET, NOW, BODY);
    expect(verify({ signature: `v0=${good.slice(3)}` })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ signature: `v0=deadbeef,${good}` })).toEqual({ ok: true });
    expect(verify({ signature: `v2=${'0'.repeat(64)},${sign(NEXT, NOW, BODY)}` })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('messages', () => {
  it('the result: success with or without a password, failure without one', () => {
    expect(externalResultSchema.parse({ status: 'success' })).toEqual({ status: 'success' });
    expect(externalResultSchema.parse({ status: 'success', password: 'Gen3rated!pw', message: 'Done.\n\tOK' })).toMatchObject({
      password: 'Gen3rated!pw',
    });
    expect(externalResultSchema.parse({ status: 'failure', message: 'Account locked in the store.' }).status).toBe('failure');
  });

  it('refuses a password with a failure, unknown fields and control characters', () => {
    const withPassword = externalResultSchema.safeParse({ status: 'failure', password: 'Gen3rated!pw' });
    expect(withPassword.error?.issues).toMatchObject([{ path: ['password'], message: 'is only allowed with status "success"' }]);
    expect(JSON.stringify(withPassword.error?.issues)).not.toContain('Gen3rated');
    expect(externalResultSchema.safeParse({ status: 'success', extra: 1 }).error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(externalResultSchema.safeParse({ status: 'done' }).success).toBe(false);
    expect(externalResultSchema.safeParse({ status: 'failure', message: 'a\rb' }).success).toBe(false);
    expect(externalResultSchema.safeParse({ status: 'failure', message: 'a\u0000b' }).success).toBe(false);
    expect(externalResultSchema.safeParse({ status: 'success', password: 'a\tb' }).success).toBe(false);
    expect(externalResultSchema.safeParse({ status: 'failure', message: 'x'.repeat(1001) }).success).toBe(false);
    expect(externalResultSchema.safeParse({ status: 'success', password: 'x'.repeat(257) }).success).toBe(false);
  });

  it('the job is strict', () => {
    expect(externalJobSchema.parse(JOB)).toEqual(JOB);
    expect(externalJobSchema.safeParse({ ...JOB, password: 'x' }).success).toBe(false);
    expect(externalJobSchema.safeParse({ ...JOB, user: { ...JOB.user, extra: 1 } }).success).toBe(false);
  });
});

const JOB: ExternalJob = {
  request_id: 'req_0m3k9x2a1b0000a1b2c3d4e5',
  user: { login: 'ada@example.com', email: 'ada@example.com', oktaUserId: '00u1' },
  app: { name: 'Mainframe', oktaAppId: null },
  generatePassword: false,
  callbackUrl: 'https://resetdesk.example.com/api/v1/requests/req_0m3k9x2a1b0000a1b2c3d4e5/external-result',
};

describe('dispatch', () => {
  type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A webhook on 127.0.0.1; returns its URL. */
  async function executor(handler: Handler): Promise<string> {
    const listening = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/hooks/reset`;
  }

  const client = (url: string, extra: Record<string, unknown> = {}) =>
    createExternalExecutorClient({ url, secret: SECRET, nextSecret: NEXT, requestTimeoutMs: 1000, ...extra });

  async function failure(promise: Promise<unknown>): Promise<AppError> {
    const err = await promise.then(
      () => new Error('resolved'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }

  it('POSTs the job as JSON, signed with both secrets, with the idempotency key', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string; method?: string } | undefined;
    const url = await executor((req, res, body) => {
      seen = { headers: req.headers, body, method: req.method };
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
    const c = client(url);
    expect(c.url).toBe(url);
    expect(c.secrets).toEqual([SECRET, NEXT]);
    await expect(c.dispatch(JOB, 'external:req_0m3k9x2a1b0000a1b2c3d4e5')).resolves.toEqual({ status: 202 });

    expect(seen?.method).toBe('POST');
    expect(JSON.parse(seen!.body)).toEqual(JOB);
    expect(seen!.headers['content-type']).toBe('application/json');
    expect(seen!.headers['idempotency-key']).toBe('external:req_0m3k9x2a1b0000a1b2c3d4e5');
    expect(seen!.headers['user-agent']).toMatch(/^resetdesk\/\d+\.\d+\.\d+/);
    const timestamp = seen!.headers[TIMESTAMP_HEADER] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    for (const secrets of [[SECRET], [NEXT]]) {
      const check = { secrets, timestamp, signature: seen!.headers[SIGNATURE_HEADER] as string, nowSeconds: Date.now() / 1000 };
      expect(verifySignature({ ...check, rawBody: seen!.body })).toEqual({ ok: true });
    }
    expect(JSON.stringify(seen!.headers)).not.toContain(SECRET);
  });

  it('an outage is retryable: 5xx, 429, 408', async () => {
    let status = 0;
    const c = client(await executor((_req, res) => res.writeHead(status).end('try later')));
    for (status of [500, 503, 429, 408]) {
      const err = await failure(c.dispatch(JOB, 'k1'));
      expect([err.code, err.retryable, err.details]).toEqual(['EXECUTOR_UNAVAILABLE', true, { httpStatus: status }]);
    }
  });

  it('any other 4xx is a refusal, with at most 200 characters of the answer', async () => {
    let status = 0;
    const c = client(await executor((_req, res) => res.writeHead(status).end(`{"error":"no such account"}\n${'x'.repeat(5000)}`)));
    for (status of [400, 404, 410]) {
      const err = await failure(c.dispatch(JOB, 'k1'));
      expect([err.code, err.retryable, err.details]).toEqual(['EXECUTOR_REJECTED', false, { httpStatus: status }]);
      expect(err.message).toContain(`answered ${status} ({"error":"no such account"} xxx`);
      expect(err.message).toContain(`${'x'.repeat(200 - 28)})`);
      expect(err.message).not.toContain('x'.repeat(200 - 27));
    }
  });

  it('a redirect is a refusal: the signed job is not sent elsewhere', async () => {
    const url = await executor((_req, res) => res.writeHead(307, { location: 'https://elsewhere.example.com/' }).end());
    const err = await failure(client(url).dispatch(JOB, 'k1'));
    expect(err.code).toBe('EXECUTOR_REJECTED');
    expect(err.message).toContain('redirect');
  });

  it('a closed server or a dropped connection is retryable', async () => {
    const url = await executor((req) => req.socket.destroy());
    const dropped = await failure(client(url).dispatch(JOB, 'k1'));
    expect(dropped.code).toBe('EXECUTOR_UNAVAILABLE');
    server?.close();
    server = undefined;
    const refused = await failure(client(url).dispatch(JOB, 'k1'));
    expect(refused.code).toBe('EXECUTOR_UNAVAILABLE');
    expect(refused.message).toContain('ECONNREFUSED');
    expect(refused.message).not.toContain(SECRET);
  });

  it('an answer slower than requestTimeoutMs is retryable', async () => {
    const url = await executor((_req, res) => {
      setTimeout(() => res.writeHead(202).end(), 2000).unref();
    });
    const started = Date.now();
    const err = await failure(client(url, { requestTimeoutMs: 200 }).dispatch(JOB, 'k1'));
    expect(err.code).toBe('EXECUTOR_UNAVAILABLE');
    expect(err.message).toContain('no answer within 200 ms');
    expect(err.details).toEqual({ timeout: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('refuses an idempotency key that cannot be a header value', async () => {
    const c = client('https://rpa.example.com/hooks/reset');
    await expect(c.dispatch(JOB, '')).rejects.toThrow(TypeError);
    await expect(c.dispatch(JOB, 'a\nb')).rejects.toThrow(TypeError);
  });
});
