/**
 * Stoplight Prism in proxy mode for contract tests: patches the vendor's OpenAPI file so Prism 5
 * loads it, starts `prism proxy` as a child process in front of an upstream (the Okta sandbox),
 * and records every violation Prism reports — from its log and from the responses it returns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './okta-spec-patch.js';

/** One violation Prism reported. */
export interface PrismViolation {
  /** `log` — a line of Prism's output; `response` — the sl-violations header or a Prism problem+json body. */
  source: 'log' | 'response';
  /** Upper-case HTTP method and path (without query) of the exchange, when known. */
  method: string;
  path: string;
  status?: number;
  severity: string;
  message: string;
}

export interface PrismProxy {
  url: string;
  /** Every line Prism printed so far (ANSI colours removed). */
  lines(): string[];
  /** Violations found in Prism's log lines (request/response violations, Prism-generated errors). */
  logViolations(fromLine?: number): PrismViolation[];
  /** A fetch that records violations from Prism's answers (sl-violations header, problem+json). */
  fetch: typeof fetch;
  responseViolations(): PrismViolation[];
  clearResponseViolations(): void;
  /** Resolves once Prism's log has printed a line for every request answered so far. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const require = createRequire(import.meta.url);

/** The `prism` script of devDependency @stoplight/prism-cli, found the way Node resolves the package. */
function prismScript(): string {
  let manifest: string;
  try {
    manifest = require.resolve('@stoplight/prism-cli/package.json');
  } catch {
    throw new Error('Stoplight Prism is not installed (devDependency @stoplight/prism-cli; run npm ci)');
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { prism: string } };
  return path.join(path.dirname(manifest), bin.prism);
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Prism's problem+json types that mean "your request or the upstream's response is not as specified". */
const PRISM_ERROR_TYPE = /^https:\/\/stoplight\.io\/prism\/errors#/;

/**
 * Starts `prism proxy <spec> <upstream> --errors` on a free loopback port and waits until it
 * accepts connections. `--errors` makes Prism answer a request or response that violates the
 * spec with its own 422/500 problem+json (so a violation can never look like a success);
 * request validation is on by default (`--validate-request` true).
 */
export async function startPrismProxy(opts: { spec: string; upstream: string; readyTimeoutMs?: number }): Promise<PrismProxy> {
  const script = prismScript();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [script, 'proxy', opts.spec, opts.upstream, '--host', '127.0.0.1', '--port', String(port), '--errors', '--validate-request'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
  );
  const lines: string[] = [];
  let exited: string | undefined;
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) lines.push(line.replace(ANSI, '').trimEnd());
    });
    stream?.on('end', () => {
      if (rest) lines.push(rest.replace(ANSI, '').trimEnd());
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitedPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      process.off('exit', killOnExit);
      throw new Error(`Prism ${exited} before listening:\n${lines.slice(-40).join('\n')}`);
    }
    if (lines.some((l) => l.includes('Prism is listening')) && (await portOpen(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prism did not listen on ${url} within ${opts.readyTimeoutMs ?? 60_000} ms:\n${lines.slice(-40).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const responseViolations: PrismViolation[] = [];
  const record = (v: PrismViolation) => {
    // With --errors the same violation is in both the sl-violations header and the body.
    const same = (o: PrismViolation) => o.method === v.method && o.path === v.path && o.status === v.status && o.message === v.message;
    if (!responseViolations.some(same)) responseViolations.push(v);
  };
  let answered = 0;

  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    answered += 1;
    const target = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const base = { source: 'response' as const, method, path: target.pathname, status: res.status };
    const header = res.headers.get('sl-violations');
    if (header) {
      for (const v of JSON.parse(header) as { severity?: string; message?: string; location?: string[] }[]) {
        record({ ...base, severity: v.severity ?? '?', message: `${(v.location ?? []).join('.')}: ${v.message ?? ''}` });
      }
    }
    if ((res.headers.get('content-type') ?? '').includes('application/problem+json')) {
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as {
        type?: string;
        title?: string;
        detail?: string;
        validation?: { severity?: string; message?: string; location?: string[] }[];
      };
      if (typeof body.type === 'string' && PRISM_ERROR_TYPE.test(body.type)) {
        const validation = body.validation ?? [];
        if (validation.length === 0)
          record({ ...base, severity: 'Error', message: `${body.type}: ${body.title ?? ''} ${body.detail ?? ''}`.trim() });
        for (const v of validation) {
          record({ ...base, severity: v.severity ?? '?', message: `${(v.location ?? []).join('.')}: ${v.message ?? ''}` });
        }
      }
    }
    return res;
  };

  return {
    url,
    lines: () => [...lines],
    logViolations: (fromLine = 0) => parseLogViolations(lines.slice(fromLine)),
    fetch: recordingFetch,
    responseViolations: () => [...responseViolations],
    clearResponseViolations: () => {
      responseViolations.length = 0;
    },
    async settle(timeoutMs = 2000) {
      // Prism logs "Request received" when a request arrives and its violations right after the
      // upstream answers, through a pipe that may lag behind the HTTP answer: wait until every
      // answered request appears in the log and the log has been quiet for 100 ms.
      const until = Date.now() + timeoutMs;
      const received = () => lines.filter((l) => l.includes('Request received')).length;
      let seen = -1;
      while (Date.now() < until) {
        if (received() >= answered && lines.length === seen) return;
        seen = lines.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop,
  };
}

/**
 * Prism's log format (5.14, non-multiprocess):
 *   `[HTTP SERVER] get /api/v1/users ✖  error     Request terminated with error: https://stoplight.io/prism/errors#VIOLATIONS: …`
 *   `    [PROXY] ℹ  info      > Forwarding "get" request to http://…/api/v1/users?…`
 *   `[VALIDATOR] ⚠  warning   Violation: response.body.id Response body property id must be string`
 * A VALIDATOR line names no request, so it is attributed to the latest request line before it.
 */
function parseLogViolations(lines: readonly string[]): PrismViolation[] {
  const out: PrismViolation[] = [];
  let method = '?';
  let reqPath = '?';
  for (const line of lines) {
    const server = /\[HTTP SERVER\] (\w+) (\S+) /.exec(line);
    if (server) {
      method = (server[1] ?? '?').toUpperCase();
      reqPath = (server[2] ?? '?').split('?')[0] ?? '?';
    }
    const forward = /\[PROXY\].*Forwarding "(\w+)" request to (\S+?)(?:\.\.\.)?$/.exec(line);
    if (forward) {
      method = (forward[1] ?? '?').toUpperCase();
      try {
        reqPath = new URL(forward[2] ?? '').pathname;
      } catch {
        reqPath = '?';
      }
    }
    const level = /(✖|⚠)\s+(error|warning|fatal)\s+(.*)$/.exec(line);
    const isViolation = /violation/i.test(line);
    if (!level && !isViolation) continue;
    out.push({ source: 'log', method, path: reqPath, severity: level?.[2] ?? 'info', message: (level?.[3] ?? line).trim() });
  }
  return out;
}
