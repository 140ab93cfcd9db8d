#!/usr/bin/env node
/**
 * A reference executor for resetdesk's external credential stores (docs/external-executors.md).
 * It does everything a real one must (verify the job's signature, answer 202 at once, call back
 * with a signed result, retry that, treat a repeated job as the same job) but only pretends to
 * reset: replace `resetPassword` with your bot. Node >= 20, no dependencies, no resetdesk code:
 * copy this file. Settings come from the environment; see README.md next to it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const MAX_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 64 * 1024;
const CALLBACK_ATTEMPTS = 5;
const CALLBACK_FIRST_DELAY_MS = 200;

/** One JSON line per event on stdout. Never pass a secret or a password here. */
function log(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields, time: new Date().toISOString() })}\n`);
}

function fail(message) {
  process.stderr.write(`reference-executor: ${message}\n`);
  process.exit(2);
}

function intFromEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

const PORT = intFromEnv('PORT', 9000, 0, 65535);
const HOST = process.env.HOST || '127.0.0.1';
// resetdesk signs with its secret and, during a rotation, also with the next one; accept either.
const SECRETS = [process.env.EXECUTOR_SECRET, process.env.EXECUTOR_NEXT_SECRET].filter(Boolean);
const RESULT = process.env.RESULT || 'success';
const DELAY_MS = intFromEnv('DELAY_MS', 0, 0, 86_400_000);
const FAIL_FIRST = intFromEnv('FAIL_FIRST', 0, 0, 1_000_000);
const REJECT = intFromEnv('REJECT', 0, 400, 599);

if (!process.env.EXECUTOR_SECRET) fail('EXECUTOR_SECRET is required (the secret of the store in resetdesk)');
if (SECRETS.some((s) => s.length < 32)) fail('EXECUTOR_SECRET and EXECUTOR_NEXT_SECRET must be at least 32 characters');
if (!['success', 'failure', 'generate'].includes(RESULT)) fail('RESULT must be success, failure or generate');

// --- Signing: HMAC-SHA256(secret, timestamp + "." + raw body), hex, as "v1=<hex>". ---

const hmac = (secret, timestamp, body) => createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** Headers for a message sent now; one v1= per secret, so resetdesk accepts it mid-rotation. */
function signedHeaders(body) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = SECRETS.map((secret) => `v1=${hmac(secret, timestamp, body).toString('hex')}`).join(',');
  return { 'x-resetdesk-timestamp': timestamp, 'x-resetdesk-signature': signature };
}

/** null when the message is genuine and fresh, else why not: missing, malformed, stale, mismatch. */
function signatureProblem(headers, rawBody) {
  const timestamp = headers['x-resetdesk-timestamp'];
  const signature = headers['x-resetdesk-signature'];
  if (!timestamp || !signature) return 'missing';
  if (signature.length > 2048 || !/^\d{1,12}$/.test(timestamp)) return 'malformed';
  // Other schemes (v0=, a future v2=) are skipped: only v1 is understood here.
  const offered = signature
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => /^v1=[0-9a-f]{64}$/.test(entry))
    .map((entry) => Buffer.from(entry.slice(3), 'hex'));
  if (offered.length === 0) return 'malformed';
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return 'stale';
  // timingSafeEqual: comparing byte by byte in constant time does not leak how much matched.
  const matches = SECRETS.some((secret) => offered.some((given) => timingSafeEqual(given, hmac(secret, timestamp, rawBody))));
  return matches ? null : 'mismatch';
}

// --- The job ---

const isText = (v) => typeof v === 'string' && v.length > 0;
const isTextOrNull = (v) => v === null || isText(v);

/** The fields this executor needs; unknown ones are ignored, so a newer resetdesk does not break it. */
function jobProblem(job) {
  if (typeof job !== 'object' || job === null) return 'the body must be a JSON object';
  if (!isText(job.request_id)) return 'request_id must be a non-empty string';
  if (typeof job.user !== 'object' || job.user === null || !isText(job.user.login) || !isText(job.user.email)) {
    return 'user must have login and email';
  }
  if (!isTextOrNull(job.user.oktaUserId)) return 'user.oktaUserId must be a string or null';
  if (typeof job.app !== 'object' || job.app === null || !isText(job.app.name) || !isTextOrNull(job.app.oktaAppId)) {
    return 'app must have name and oktaAppId (a string or null)';
  }
  if (typeof job.generatePassword !== 'boolean') return 'generatePassword must be true or false';
  if (!isText(job.callbackUrl) || !URL.canParse(job.callbackUrl) || !/^https?:$/.test(new URL(job.callbackUrl).protocol)) {
    return 'callbackUrl must be an http(s) URL';
  }
  return null;
}

/** Your bot goes here. This one only says what it would do, and answers with RESULT. */
async function resetPassword(job) {
  log('reset', { request_id: job.request_id, login: job.user.login, app: job.app.name, result: RESULT, note: 'simulated' });
  if (RESULT === 'failure') return { status: 'failure', message: 'The store refused the reset (simulated failure).' };
  const message = `Password reset for ${job.user.login} in ${job.app.name}.`;
  // A password goes back only when the store made one up; resetdesk emails it once, keeps no copy.
  if (RESULT === 'generate' || job.generatePassword) return { status: 'success', message, password: randomBytes(18).toString('base64url') };
  return { status: 'success', message };
}

// --- The callback, retried on outages; re-signed on every attempt so the timestamp is fresh. ---

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function callBack(job, result) {
  const body = JSON.stringify(result);
  for (let attempt = 1, delay = CALLBACK_FIRST_DELAY_MS; attempt <= CALLBACK_ATTEMPTS; attempt++, delay *= 2) {
    let status;
    try {
      const response = await fetch(job.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(body) },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (err) {
      log('callback_failed', { request_id: job.request_id, attempt, error: err.cause?.code ?? err.cause?.message ?? err.message });
    }
    if (status !== undefined) {
      // 2xx: recorded. 409: already recorded (an earlier attempt got through). Other 4xx: will never work.
      const retryable = status === 408 || status === 429 || status >= 500;
      log(retryable ? 'callback_failed' : 'callback', { request_id: job.request_id, attempt, httpStatus: status });
      if (!retryable) return;
    }
    if (attempt < CALLBACK_ATTEMPTS) await sleep(delay);
  }
  log('callback_failed', { request_id: job.request_id, gaveUp: true, note: 'resetdesk fails the request when its timeout passes' });
}

// --- HTTP ---

const seenKeys = new Set();
const inFlight = new Set();
let jobsSeen = 0;

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function handleJob(req, res) {
  const raw = await readBody(req);
  if (raw === null) return answer(res, 413, { error: 'the body is larger than 64 KiB' });
  const problem = signatureProblem(req.headers, raw);
  if (problem) {
    log('refused', { httpStatus: 401, reason: problem });
    return answer(res, 401, { error: `signature ${problem}` });
  }
  let job;
  try {
    job = JSON.parse(raw.toString('utf8'));
  } catch {
    return answer(res, 400, { error: 'the body is not JSON' });
  }
  const invalid = jobProblem(job);
  if (invalid) {
    log('refused', { httpStatus: 400, reason: invalid });
    return answer(res, 400, { error: invalid });
  }
  jobsSeen += 1;
  if (jobsSeen <= FAIL_FIRST) return answer(res, 503, { error: `simulated outage (FAIL_FIRST=${FAIL_FIRST})` });
  if (REJECT) return answer(res, REJECT, { error: `simulated refusal (REJECT=${REJECT})` });

  // resetdesk sends the same Idempotency-Key on every retry of one job: the same job, done once.
  const key = req.headers['idempotency-key'] || job.request_id;
  const duplicate = seenKeys.has(key);
  log('received', { request_id: job.request_id, idempotencyKey: key, duplicate });
  answer(res, 202, { accepted: true });
  if (duplicate) return;
  seenKeys.add(key);
  const work = sleep(DELAY_MS)
    .then(() => resetPassword(job))
    .catch((err) => {
      // A bot that crashed still owes resetdesk an answer: a failure a person will follow up.
      log('reset_failed', { request_id: job.request_id, error: err.message });
      return { status: 'failure', message: 'The executor could not carry out the reset.' };
    })
    .then((result) => callBack(job, result))
    .finally(() => inFlight.delete(work));
  inFlight.add(work);
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://executor').pathname;
  if (path === '/healthz' && req.method === 'GET') return answer(res, 200, { ok: true });
  if (path !== '/hooks/reset') return answer(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return answer(res, 405, { error: 'use POST' });
  handleJob(req, res).catch((err) => {
    log('error', { error: err.message });
    if (!res.headersSent) answer(res, 500, { error: 'internal error' });
  });
});

server.listen(PORT, HOST, () => log('listening', { port: server.address().port, host: HOST }));

// On SIGTERM: stop taking jobs, give started ones up to 10 s to call back, then exit.
function stop(signal) {
  log('stopping', { signal, pending: inFlight.size });
  server.close();
  server.closeIdleConnections();
  const deadline = sleep(10_000).then(() => 'timeout');
  Promise.race([Promise.allSettled([...inFlight]).then(() => 'done'), deadline]).then((how) => {
    log('stopped', { pending: how === 'done' ? 0 : inFlight.size });
    process.exit(0);
  });
}
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
