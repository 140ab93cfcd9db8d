/**
 * Test support: a fake Okta on 127.0.0.1 that speaks the Management API's wire format (JSON
 * bodies, Okta error objects, Link pagination, X-Rate-Limit-* headers). Tests register handlers
 * per route and read back what the connector sent. Okta's JSON comes from the sandbox's response
 * modules, so the wire format is written down once.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxUser } from '../../src/okta-sandbox/index.js';
import { type OktaErrorBody, type OktaErrorCode, SandboxOktaError } from '../../src/okta-sandbox/okta-errors.js';
import { userJson } from '../../src/okta-sandbox/user-json.js';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Path plus query, as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Route parameters (`:id` in the pattern). */
  params: Record<string, string>;
}

interface FakeReply {
  status?: number;
  json?: unknown;
  /** Sent as text/html, to test non-JSON answers. */
  text?: string;
  headers?: Record<string, string>;
  /** Answer after this long (tests overlap and timeouts). */
  delayMs?: number;
}

type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: FakeHandler;
}

export interface FakeOkta {
  url: string;
  requests: RecordedRequest[];
  /** Most requests in flight at once. */
  maxConcurrency: number;
  on(method: string, path: string, handler: FakeHandler): void;
  close(): Promise<void>;
}

/** Okta's error object, as the sandbox sends it, with a fixed `errorId` tests can look for. */
export function oktaErrorBody(errorCode: OktaErrorCode, errorSummary: string, causes: string[] = []): OktaErrorBody {
  return { ...new SandboxOktaError(errorCode, errorSummary, { causes }).toBody(), errorId: `oae${errorCode.slice(-4)}test` };
}

/** A user in a list answer (`GET /api/v1/users`), named "Test <id>". */
export function oktaUserJson(id: string, login: string, email = login, status: SandboxUser['status'] = 'ACTIVE'): Record<string, unknown> {
  const created = '2024-01-01T00:00:00.000Z';
  const user: SandboxUser = {
    id,
    status,
    login,
    email,
    firstName: 'Test',
    lastName: id,
    groupIds: [],
    factors: [],
    roles: [],
    created,
    activated: null,
    statusChanged: null,
    lastLogin: null,
    lastUpdated: created,
    passwordChanged: null,
  };
  return userJson(user, 'https://example.okta.com');
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

export async function startFakeOkta(): Promise<FakeOkta> {
  const routes: Route[] = [];
  const fake: FakeOkta = {
    url: '',
    requests: [],
    maxConcurrency: 0,
    on(method, path, handler) {
      routes.unshift({ method, ...compile(path), handler }); // later registrations win
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  let inFlight = 0;

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    fake.maxConcurrency = Math.max(fake.maxConcurrency, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const recorded: RecordedRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        rawUrl: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        params: {},
      };
      fake.requests.push(recorded);
      void (async () => {
        let reply: FakeReply = { status: 404, json: oktaErrorBody('E0000007', `Not found: Resource not found: ${url.pathname}`) };
        for (const route of routes) {
          const match = route.method === method ? route.pattern.exec(url.pathname) : null;
          if (!match) continue;
          route.names.forEach((name, i) => {
            recorded.params[name] = decodeURIComponent(match[i + 1] ?? '');
          });
          reply = await route.handler(recorded);
          break;
        }
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (res.destroyed) return;
        const headers: Record<string, string> = { ...reply.headers };
        let body = '';
        if (reply.text !== undefined) {
          headers['content-type'] ??= 'text/html';
          body = reply.text;
        } else if (reply.json !== undefined) {
          headers['content-type'] ??= 'application/json';
          body = JSON.stringify(reply.json);
        }
        res.writeHead(reply.status ?? 200, headers);
        res.end(body);
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
