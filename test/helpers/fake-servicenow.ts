import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake ServiceNow instance on 127.0.0.1 speaking the Table API's wire format for the incident
 * table, and enforcing its shapes: Basic credentials, or a Bearer token from its `/oauth_token.do`
 * (grant_type=client_credentials, form-encoded); anything else is a 401 with ServiceNow's error
 * body `{ "error": { "message", "detail" }, "status": "failure" }`. JSON bodies only
 * (`Content-Type: application/json`, else 415), known `sysparm_*` query parameters only (others
 * are a 400, as a typo would silently be ignored by a real instance — here it fails loudly),
 * `result` envelopes, `sysparm_fields` honoured. Incidents get a 32-hex sys_id and a number
 * INC0010001, INC0010002, …
 */
interface FakeIncident {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  caller_id: string;
  assignment_group: string;
  urgency: string;
  impact: string;
  correlation_id: string;
  correlation_display: string;
  state: string;
  close_code: string;
  close_notes: string;
  /** Every work note, in order (ServiceNow keeps them as journal entries). */
  work_notes: string[];
}

interface FakeServiceNowCall {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: 'basic' | 'bearer' | 'none' | 'wrong';
  body: unknown;
}

export interface FakeServiceNow {
  /** e.g. http://127.0.0.1:PORT — the SERVICENOW_INSTANCE_URL. */
  url: string;
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
  incidents(): FakeIncident[];
  /** Answers the next `n` Table API calls with this 5xx status. */
  failNext(n: number, status?: number): void;
  /** The next create stores its incident, then never answers (the client times out). */
  hangNextCreate(): void;
  /** Accepts no credentials from now on (401), or accepts them again. */
  rejectCredentials(reject: boolean): void;
  calls(): FakeServiceNowCall[];
  /** How many tokens /oauth_token.do has issued. */
  tokensIssued(): number;
  clearCalls(): void;
  close(): Promise<void>;
}

const ALLOWED_SYSPARMS = new Set([
  'sysparm_query',
  'sysparm_limit',
  'sysparm_offset',
  'sysparm_fields',
  'sysparm_display_value',
  'sysparm_exclude_reference_link',
  'sysparm_input_display_value',
  'sysparm_suppress_auto_sys_field',
  'sysparm_view',
  'sysparm_query_no_domain',
  'sysparm_no_count',
]);

const WRITABLE = new Set([
  'short_description',
  'description',
  'caller_id',
  'assignment_group',
  'urgency',
  'impact',
  'correlation_id',
  'correlation_display',
  'state',
  'close_code',
  'close_notes',
  'work_notes',
]);

export async function startFakeServiceNow(
  opts: { username?: string; password?: string; clientId?: string; clientSecret?: string } = {},
): Promise<FakeServiceNow> {
  const username = opts.username ?? 'resetdesk.integration';
  const password = opts.password ?? 'sn-password-not-a-secret';
  const clientId = opts.clientId ?? 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const clientSecret = opts.clientSecret ?? 'sn-client-secret-not-a-secret';
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const tokens = new Set<string>();
  const incidents: FakeIncident[] = [];
  const log: FakeServiceNowCall[] = [];
  let failures: { n: number; status: number } = { n: 0, status: 503 };
  let hangCreate = false;
  let reject = false;
  let issued = 0;
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify(body));
  };
  const snError = (res: ServerResponse, status: number, message: string, detail: string | null = null) =>
    send(res, status, { error: { message, detail }, status: 'failure' });

  const project = (incident: FakeIncident, fields: string | null): Record<string, unknown> => {
    const full: Record<string, unknown> = { ...incident, work_notes: '' };
    if (!fields) return full;
    return Object.fromEntries(
      fields
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
        .map((f) => [f, full[f] ?? '']),
    );
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://servicenow.invalid');
    const text = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    const header = req.headers.authorization;
    const authorization: FakeServiceNowCall['authorization'] = !header
      ? 'none'
      : header === basic
        ? 'basic'
        : header.startsWith('Bearer ') && tokens.has(header.slice(7))
          ? 'bearer'
          : 'wrong';
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* form or text */
    }
    log.push({ method: req.method ?? '', path: url.pathname, query, authorization, body });

    if (url.pathname === '/oauth_token.do') {
      if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' });
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return send(res, 400, { error: 'invalid_request', error_description: 'form-encoded body required' });
      }
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
      if (reject || form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return send(res, 401, { error: 'access_denied', error_description: 'access_denied' });
      }
      const token = randomBytes(24).toString('base64url');
      tokens.add(token);
      issued++;
      return send(res, 200, { access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: 1799 });
    }

    if (reject || authorization === 'none' || authorization === 'wrong') {
      res.setHeader('www-authenticate', 'BASIC realm="Service-now"');
      return snError(res, 401, 'User Not Authenticated', 'Required to provide Auth information');
    }
    if (failures.n > 0) {
      failures.n--;
      return snError(res, failures.status, 'Service Unavailable', 'The instance is temporarily unavailable');
    }
    for (const key of url.searchParams.keys()) {
      if (!ALLOWED_SYSPARMS.has(key)) return snError(res, 400, `Invalid query parameter: ${key}`, 'Unknown sysparm');
    }
    if (!String(req.headers.accept ?? '').includes('application/json')) {
      return snError(res, 406, 'Not Acceptable', 'Accept application/json');
    }
    const match = /^\/api\/now\/table\/incident(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return snError(res, 400, 'Invalid table', `No such table or path ${url.pathname}`);
    const sysId = match[1];
    const fields = url.searchParams.get('sysparm_fields');

    if (req.method === 'GET' && !sysId) {
      const q = url.searchParams.get('sysparm_query') ?? '';
      const limit = Number(url.searchParams.get('sysparm_limit') ?? '10000');
      const m = /^correlation_id=(.*)$/.exec(q);
      if (q && !m) return snError(res, 400, 'Unsupported query in this fake', q);
      const found = incidents.filter((i) => !m || i.correlation_id === m[1]).slice(0, limit);
      return send(res, 200, { result: found.map((i) => project(i, fields)) });
    }
    if (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return snError(res, 415, 'Unsupported Media Type', 'Content-Type must be application/json');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return snError(res, 400, 'Exception while reading request', 'The payload is not valid JSON.');
      }
      const record = body as Record<string, unknown>;
      for (const [k, v] of Object.entries(record)) {
        if (!WRITABLE.has(k)) return snError(res, 400, `Field not writable in this fake: ${k}`);
        if (typeof v !== 'string') return snError(res, 400, `Field ${k} must be a string`);
      }
      if (req.method === 'POST') {
        if (sysId) return snError(res, 400, 'POST to a record', 'Use PATCH to update');
        const r = record as Record<string, string>;
        const incident: FakeIncident = {
          sys_id: randomBytes(16).toString('hex'),
          number: `INC${String(10001 + incidents.length).padStart(7, '0')}`,
          short_description: r.short_description ?? '',
          description: r.description ?? '',
          caller_id: r.caller_id ?? '',
          assignment_group: r.assignment_group ?? '',
          urgency: r.urgency ?? '3',
          impact: r.impact ?? '3',
          correlation_id: r.correlation_id ?? '',
          correlation_display: r.correlation_display ?? '',
          state: '1',
          close_code: '',
          close_notes: '',
          work_notes: r.work_notes ? [r.work_notes] : [],
        };
        incidents.push(incident);
        if (hangCreate) {
          hangCreate = false;
          hanging.add(res);
          return; // stored, never answered
        }
        res.setHeader('location', `/api/now/table/incident/${incident.sys_id}`);
        return send(res, 201, { result: project(incident, fields) });
      }
      const incident = incidents.find((i) => i.sys_id === sysId);
      if (!incident) return snError(res, 404, 'No Record found', 'Record doesn\u2019t exist or ACL restricts the record retrieval');
      const r = record as Record<string, string>;
      for (const [k, v] of Object.entries(r)) {
        if (k === 'work_notes') incident.work_notes.push(v);
        else (incident as unknown as Record<string, string>)[k] = v;
      }
      if (incident.state === '6' && !incident.close_code)
        return snError(res, 403, 'Operation Failed', 'Data Policy Exception: close_code is mandatory');
      return send(res, 200, { result: project(incident, fields) });
    }
    if (req.method === 'GET' && sysId) {
      const incident = incidents.find((i) => i.sys_id === sysId);
      if (!incident) return snError(res, 404, 'No Record found', 'Record doesn\u2019t exist or ACL restricts the record retrieval');
      return send(res, 200, { result: project(incident, fields) });
    }
    return snError(res, 405, 'Method not Supported', `${req.method} is not supported`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    username,
    password,
    clientId,
    clientSecret,
    incidents: () => incidents.map((i) => ({ ...i, work_notes: [...i.work_notes] })),
    failNext(n, status = 503) {
      failures = { n, status };
    },
    hangNextCreate() {
      hangCreate = true;
    },
    rejectCredentials(r) {
      reject = r;
    },
    calls: () => [...log],
    tokensIssued: () => issued,
    clearCalls() {
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
