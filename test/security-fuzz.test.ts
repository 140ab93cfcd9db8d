import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FILING_LIMITS } from '../src/bench/no-filing-limits.js';
import { DIALECTS } from './helpers/databases.js';
import { isErrorShape, type RawRequest, type RawResponse, rawRequest } from './helpers/raw-http.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

// The fuzzer sends thousands of calls from one address and token in seconds: the limits would
// answer most of them with 429 before validation saw them (they are tested in security-limits).
const RATE_LIMIT_ENV = NO_FILING_LIMITS;

/**
 * Security fuzzer: thousands of malformed requests per database against every route of the
 * OpenAPI document (read at run time), then a health check; and a deterministic section for the
 * known holes. Reproduce a run with FUZZ_SEED (printed); FUZZ_RUNS sets the number of requests
 * per database, FUZZ_ONLY=12,57 sends only those cases, FUZZ_VERBOSE=1 prints every case.
 */
const SEED = envInt('FUZZ_SEED', 20_261_123);
const RUNS = envInt('FUZZ_RUNS', 2_400);
const CONCURRENCY = envInt('FUZZ_CONCURRENCY', 8);
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
const ONLY = process.env.FUZZ_ONLY ? new Set(process.env.FUZZ_ONLY.split(',').map((s) => Number(s.trim()))) : undefined;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer (got "${raw}")`);
  return n;
}

// ─── what the fuzzer knows about the server ──────────────────────────────────────────────────

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

interface Operation {
  method: string;
  /** OpenAPI template, e.g. /api/v1/requests/{id}/approve. */
  path: string;
  documented: boolean;
  /** Properties of the JSON request body, when the operation declares one. */
  body?: { properties: Record<string, JsonSchema>; required: string[] };
}

interface FuzzEnv {
  tokens: { admin: string; approver: string; requester: string; requester2: string; intake: string };
  /** Ids of requests that exist (escalated and completed), so id routes also reach the database. */
  realIds: string[];
}

interface FuzzCase {
  index: number;
  op: Operation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Short description of the input, for the failure report. */
  input: string;
}

interface Failure {
  c: FuzzCase;
  status: number | 'no response';
  problem: string;
  response: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** Operations of the OpenAPI document, the service endpoints, and a few routes that do not exist. */
function operationsFrom(
  doc: {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
    components?: { schemas?: Record<string, JsonSchema> };
  },
  registered: { method: string; url: string }[] = [],
): Operation[] {
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined => {
    if (!s?.$ref) return s;
    const name = s.$ref.replace('#/components/schemas/', '');
    return doc.components?.schemas?.[name];
  };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const schema = resolve(op.requestBody?.content?.['application/json']?.schema);
      ops.push({
        method: method.toUpperCase(),
        path,
        documented: true,
        ...(schema?.properties ? { body: { properties: schema.properties, required: schema.required ?? [] } } : {}),
      });
    }
  }
  for (const path of ['/healthz', '/readyz', '/api/openapi.json']) {
    if (!ops.some((o) => o.path === path && o.method === 'GET')) ops.push({ method: 'GET', path, documented: true });
  }
  // Routes the server registered but the document does not describe (when the server lists them).
  for (const r of registered) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    if (r.method !== 'HEAD' && !ops.some((o) => o.path === path && o.method === r.method))
      ops.push({ method: r.method, path, documented: false });
  }
  for (const [method, path] of [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/requests/{id}/nope'],
    ['GET', '/api/v1/apps/{id}'],
    ['GET', '/api/v2/requests'],
    ['GET', '/'],
    ['GET', '/dev/mailbox'],
  ] as const) {
    if (!ops.some((o) => o.path === path && o.method === method)) ops.push({ method, path, documented: false });
  }
  return ops;
}

// ─── arbitraries ─────────────────────────────────────────────────────────────────────────────

// biome-ignore format: a packed list of test values; one per line would run to pages
const CONTROL_UNITS = [
  '\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u00a0',
  '\u200b', '\u200e', '\u202e', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', '\ud800', '\udfff', '\ud83d\ude00',
  'a', 'Z', ' ', 'é', 'İ', 'ß', '"', '\\', "'", '%', '/',
];

// biome-ignore format: a packed list of test values; one per line would run to pages
const SPECIAL_STRINGS = [
  '', ' ', '   ', 'Expensify', ' expensify ', 'EXPENSIFY', 'Expensify\u0000', 'Salesforce', 'Ghost', 'Mainframe', 'NoSuchApp',
  'null', 'undefined', 'true', '0', '-1', 'NaN', '__proto__', 'constructor', 'prototype', 'toString',
  "' OR '1'='1", "'; DROP TABLE apps; --", '"', '\\', '%00', '\\u0000', '%s%s%s%n', '${process.exit()}', '{{7*7}}', '<script>alert(1)</script>',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', 'javascript:alert(1)', 'https://example.com/reset', 'https://example.com/\u0000',
  'http://a', 'https://', 'file:///etc/passwd', 'alice@example.com', 'ALICE@EXAMPLE.COM', ' bob@example.com ', 'irene@example.com',
  'root@example.com', 'a@b', '@', 'a\u0000@example.com', 'auto', 'swa_link', 'okta_reset', 'external', 'AUTO',
  '0oaTTTTTTTTTTTTTTTT1', 'Escalated', 'Completed', 'req_unknown',
];

/** Strings at and around the schema limits, in characters of different UTF-8/UTF-16 widths. */
const longString = fc
  .record({
    n: fc.constantFrom(64, 65, 100, 101, 199, 200, 201, 320, 321, 1999, 2000, 2001, 4096, 20_000),
    c: fc.constantFrom('x', 'İ', 'ẞ', '\u0000', '🙂', ' ', 'é'),
  })
  .map(({ n, c }) => c.repeat(n));

/** A plausible value with one troublesome character slipped in (NUL above all: PostgreSQL refuses it in text). */
const injected = fc
  .record({
    base: fc.constantFrom('Expensify', 'Salesforce', 'forgot it', 'ok', 'alice@example.com', 'owners', 'https://example.com/reset', 'x'),
    ch: fc.constantFrom('\u0000', '\u0000', '\u0000', '\ud800', '\udc00', '\u001b', '\u2028', '\ufeff', '\u0085', 'İ'),
    at: fc.nat(40),
  })
  .map(({ base, ch, at }) => base.slice(0, at % (base.length + 1)) + ch + base.slice(at % (base.length + 1)));

const fuzzString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: injected },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...CONTROL_UNITS), minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: longString },
);

// biome-ignore format: a packed list of test values; one per line would run to pages
const KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then',
  'app', 'justification', 'targetUser', 'requester', 'comment', 'name', 'url', 'oktaAppId', 'sensitive', 'approverGroup',
  'resetMethod', 'status', 'id', 'role', 'email', '', ' ', 'app ', 'APP', '\u0000', 'a\u0000b',
];
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fuzzString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53 + 1, 1.5, true, false, null) },
);

/** Recursive JSON-ish values (objects with __proto__/constructor keys among others), deep on purpose. */
const { deep } = fc.letrec<{ deep: unknown }>((tie) => ({
  deep: fc.oneof(
    { depthSize: 'large', maxDepth: 40 },
    scalar,
    fc.array(tie('deep'), { maxLength: 3 }),
    fc.dictionary(keyArb, tie('deep'), { maxKeys: 3 }),
  ),
}));

/** fc.object with dangerous keys: fast-check defines them as own properties, so JSON.stringify sends them. */
const protoObject = fc.object({ key: keyArb, values: [scalar], maxDepth: 4, maxKeys: 6 });

const fuzzValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fuzzString },
  { weight: 2, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(fuzzString, { maxLength: 3 }) },
  { weight: 1, arbitrary: protoObject },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
);

function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A value the schema accepts, so that one fuzzed field at a time reaches the handler. */
function goodValue(name: string, schema: JsonSchema): fc.Arbitrary<unknown> {
  switch (name) {
    case 'app':
      return fc.constantFrom('Expensify', 'Salesforce', 'Mainframe', 'Intranet', 'Ghost', 'Payroll');
    case 'justification':
    case 'comment':
      return fc.constantFrom('forgot it', 'x');
    case 'targetUser':
      return fc.constantFrom('alice@example.com', 'bob@example.com');
    case 'requester':
      return fc.constantFrom('dave@example.com', 'frank@example.com');
    case 'name':
      return fc.nat(50).map((n) => `Fuzz App ${n}`); // a small pool: duplicates (409) too
    case 'url':
      return fc.constant('https://example.com/reset');
    case 'oktaAppId':
      return fc.constant('0oaFUZZ0000000000001');
    case 'approverGroup':
      return fc.constant('fuzz-owners');
  }
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'boolean') return fc.boolean();
  if (type === 'integer' || type === 'number') return fc.nat(100);
  if (schema.format === 'email') return fc.constant('alice@example.com');
  return fc.constant('x');
}

interface BodySpec {
  kind: string;
  /** JSON or other text, encoded per content type; or raw bytes. */
  text?: string;
  bytes?: Buffer;
}

const json = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '{}';
  }
};

/**
 * Request bodies derived from the operation's schema. "one-field": a valid body with exactly one
 * known field replaced by a fuzzed string, so odd but type-correct text reaches the service and
 * the database (NUL bytes, lone surrogates, strings that grow when lower-cased…). "mixed": valid
 * base, some fields dropped, 1-3 fields (known or not) replaced by any value.
 */
function schemaBody(op: Operation): fc.Arbitrary<BodySpec> {
  const props = Object.entries(op.body?.properties ?? {});
  const required = new Set(op.body?.required ?? []);
  const names = props.map(([n]) => n);
  const base = fc.record(Object.fromEntries(props.map(([n, s]) => [n, goodValue(n, s)])) as Record<string, fc.Arbitrary<unknown>>, {
    requiredKeys: [...required].filter((n) => names.includes(n)),
  });
  const fieldName = names.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: keyArb }) : keyArb;
  const mixed = fc
    .record({
      base,
      drop: fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray(names) }),
      overrides: fc.array(fc.tuple(fieldName, fuzzValue), { minLength: 1, maxLength: 3 }),
    })
    .map(({ base, drop, overrides }) => {
      const o: Record<string, unknown> = { ...base };
      for (const d of drop) delete o[d];
      for (const [k, v] of overrides) setOwn(o, k, v);
      return { kind: `schema{${overrides.map(([k, v]) => `${k}:${describeValue(v)}`).join(',')}}`, text: json(o) };
    });
  if (!names.length) return mixed;
  const stringFields = props
    .filter(([, s]) => (Array.isArray(s.type) ? s.type.includes('string') : s.type === 'string') && !s.enum)
    .map(([n]) => n);
  // Only the required fields around the fuzzed one: optional ones (an intake-only "requester")
  // would turn most bodies into a 403 before the text reaches the database.
  const requiredBase = fc.record(
    Object.fromEntries(props.filter(([n]) => required.has(n)).map(([n, s]) => [n, goodValue(n, s)])) as Record<
      string,
      fc.Arbitrary<unknown>
    >,
  );
  const oneField = fc
    .record({ base: requiredBase, field: fc.constantFrom(...(stringFields.length ? stringFields : names)), value: fuzzString })
    .map(({ base, field, value }) => {
      const o: Record<string, unknown> = { ...base };
      setOwn(o, field, value);
      return { kind: `one-field{${field}:${describeValue(value)}}`, text: json(o) };
    });
  return fc.oneof({ weight: 3, arbitrary: oneField }, { weight: 2, arbitrary: mixed });
}

// biome-ignore format: a packed list of test values; one per line would run to pages
const MALFORMED = [
  '{', '}', '{"app":', '{"app":"x",}', "{'app':'x'}", '{app:"x"}', 'NaN', 'Infinity', '[1,]', '{"a":1}{"b":2}', '\ufeff{"app":"Expensify","justification":"x"}',
  '{"app":"\\ud800","justification":"x"}', '{"app":"\\u0000","justification":"\\u0000"}', '{"app":"a\u0000b","justification":"x"}',
  '{"__proto__":{"role":"admin"},"app":"Expensify","justification":"x"}', '{"constructor":{"prototype":{"role":"admin"}},"app":"Expensify","justification":"x"}',
  '{"app":"Expensify","app":1,"justification":"x"}', '1e999999', '-', '"', 'true', 'null', '""', '0', '[]', '{}', '{"app":1e400,"justification":"x"}',
  '{"comment":"\\u0000"}', '{"name":"\\u0000"}', '{"name":"x","approverGroup":"\\u0000"}', '{"app":"Expensify","justification":"x"} trailing',
  '/* c */ {}', '{"a":"\\x41"}', '{"a":"\\u12"}', 'app=Expensify&justification=x', '<xml/>',
];

/** Deeply nested JSON text, beyond what a recursive parser or validator survives. */
const deepText = fc
  .record({ n: fc.integer({ min: 50, max: 20_000 }), style: fc.constantFrom('array', 'object', 'inApp', 'unbalanced', 'protoChain') })
  .map(({ n, style }): BodySpec => {
    const m = Math.min(n, 8_000);
    const text =
      style === 'array'
        ? '['.repeat(n) + ']'.repeat(n)
        : style === 'object'
          ? `${'{"a":'.repeat(m)}1${'}'.repeat(m)}`
          : style === 'inApp'
            ? `{"app":${'['.repeat(n)}${']'.repeat(n)},"justification":"x","comment":${'{"a":'.repeat(m / 4)}1${'}'.repeat(m / 4)}}`
            : style === 'unbalanced'
              ? '['.repeat(n)
              : `${'{"__proto__":'.repeat(Math.min(n, 3_000))}{}${'}'.repeat(Math.min(n, 3_000))}`;
    return { kind: `deep-text(${style},${n})`, text };
  });

function bodyArb(op: Operation): fc.Arbitrary<BodySpec | undefined> {
  const hasBody = op.body !== undefined;
  return fc.oneof(
    { weight: hasBody ? 1 : 6, arbitrary: fc.constant(undefined) },
    { weight: hasBody ? 8 : 1, arbitrary: schemaBody(op) },
    { weight: 1, arbitrary: fc.json({ depthSize: 'large', maxDepth: 30 }).map((text) => ({ kind: 'fc.json', text })) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 4 }).map((v) => ({ kind: `fc.anything:${describeValue(v)}`, text: json(v) })) },
    {
      weight: 1,
      arbitrary: protoObject.map((v) => ({
        kind: `proto-object{${Object.keys(v)
          .slice(0, 4)
          .map((k) => JSON.stringify(k))
          .join(',')}}`,
        text: json(v),
      })),
    },
    { weight: 1, arbitrary: deep.map((v) => ({ kind: `letrec:${describeValue(v)}`, text: json(v) })) },
    { weight: 1, arbitrary: deepText },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED).map((text) => ({ kind: 'malformed-json', text })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'binary-string', text })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'random-bytes', bytes: Buffer.from(b) })) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1).map((): BodySpec => ({ kind: 'empty', text: '' })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(65 * 1024, 70_000, 300_000)
        .map((n) => ({ kind: `oversize(${n})`, text: json({ app: 'Expensify', justification: 'x'.repeat(n) }) })),
    },
  );
}

// biome-ignore format: a packed list of test values; one per line would run to pages
const CONTENT_TYPES = [
  'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset=latin1', 'application/json; charset=latin1',
  'application/json; charset=iso-8859-1', 'application/json; charset=utf-16', 'application/json; charset=utf-16le', 'application/json; charset=utf-32',
  'application/json; charset=', 'application/json; charset="utf-8"', 'application/json; boundary=x', 'application/json ; foo', 'APPLICATION/JSON',
  'application/jsonx', 'application/json, text/plain', 'application/vnd.api+json', 'application/problem+json', 'text/json', 'text/plain',
  'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=----x', 'application/xml',
  'application/octet-stream', '*/*', '', ';', 'application/', '/json', 'x'.repeat(1000),
];
/** undefined = no content-type header. */
const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
);

// biome-ignore format: a packed list of test values; one per line would run to pages
const EXTRA_HEADERS: Record<string, string>[] = [
  { accept: 'text/html' }, { accept: 'application/xml' }, { 'accept-charset': 'utf-16' }, { 'content-encoding': 'gzip' },
  { 'content-encoding': 'br' }, { 'content-encoding': 'identity' }, { 'transfer-encoding': 'chunked' },
  { 'x-forwarded-for': '1.2.3.4, <script>' }, { 'x-http-method-override': 'DELETE' }, { origin: 'https://evil.example' },
  { cookie: 'session=a; __proto__=b' }, { range: 'bytes=0-1' }, { 'if-none-match': '*' }, { host: 'evil.example' },
];
const extraHeadersArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant({} as Record<string, string>) },
  { weight: 1, arbitrary: fc.constantFrom(...EXTRA_HEADERS) },
);

/** Percent-encodes bytes (unreserved characters stay), so the path is always sendable. */
function pctBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
const pct = (s: string) => pctBytes(Buffer.from(s, 'utf8'));
/** Raw latin1 bytes as Node sends them in the request line (0x21-0xff, minus the URL delimiters). */
const LATIN1_UNITS = Array.from({ length: 0xff - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !'?#/%'.includes(c));

// biome-ignore format: a packed list of test values; one per line would run to pages
const FIXED_IDS = [
  'req_unknown', '0', '-1', 'null', 'undefined', '__proto__', 'constructor', 'prototype', 'toString', '%00', 'abc%00def', '%00abc',
  '..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '../../etc/passwd', '..%5c..%5cwindows', '%2e%2e%2f%2e%2e%2f', '%252e%252e%252f',
  '%', '%%', '%zz', '%E0%A4%A', '%C0%AE%C0%AE', '%FF%FE', '%ED%A0%80', '%F0%9F%98%80', "'%20OR%201=1--", '%27', '%22', '%3Cscript%3E',
  ';', ',', '*', '$', '~', '!', '%20', '+', 'a+b', '%2F', 'a%2Fb', '%0A', '%0D%0A', '%09', '%7F', '%C2%85', '%E2%80%A8', '%EF%BB%BF',
];

function idArb(env: FuzzEnv): fc.Arbitrary<{ id: string; kind: string }> {
  const real = env.realIds;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real).map((id) => ({ id, kind: 'real' })) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => ({ id: `${id}%00`, kind: 'real+%00' })) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => ({ id: id.toUpperCase(), kind: 'real-upper' })) },
    { weight: 3, arbitrary: fc.constantFrom(...FIXED_IDS).map((id) => ({ id, kind: `fixed` })) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ id: pct(s), kind: 'utf8-encoded' })) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: fc.constantFrom(...CONTROL_UNITS), minLength: 1, maxLength: 20 })
        .map((s) => ({ id: pct(s), kind: 'control-encoded' })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => ({ id: pctBytes(b), kind: 'bytes-encoded' })) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: fc.constantFrom(...LATIN1_UNITS), minLength: 1, maxLength: 20 })
        .map((id) => ({ id, kind: 'raw-latin1' })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(63, 64, 65, 99, 100, 101, 255, 1000, 4000, 8000).map((n) => ({ id: 'a'.repeat(n), kind: `long(${n})` })),
    },
  );
}

const STATUS_VALUES = [
  'New',
  'Triaging',
  'Waiting',
  'Escalated',
  'Completed',
  'Rejected',
  'Closed',
  'escalated',
  'Bogus',
  '',
  '%00',
  'Escalated%00',
  '__proto__',
];
const queryValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...STATUS_VALUES,
      '1',
      '0',
      '-1',
      '200',
      '201',
      '1e3',
      '1e309',
      'NaN',
      'Infinity',
      '0x10',
      '1.5',
      '-0',
      ' ',
      'null',
      'true',
      '[]',
      '{}',
      '9'.repeat(400),
    ),
  },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fuzzString.map(pct) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map(pctBytes) },
);
const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('status', 'limit', 'offset') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      '',
      'LIMIT',
      'status[]',
      'limit.x',
      '__proto__[status]',
      'constructor[prototype][limit]',
      '%00',
      'a'.repeat(3000),
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map(pct) },
);
const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 5 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?',
      '?&',
      '?=',
      '?==&=',
      '?%',
      '?%zz=1',
      '?limit=200&limit=1',
      '?status=Escalated&status=New',
      `?${'a=1&'.repeat(1500)}`,
      '?limit=%E0%A4%A',
      '#frag',
      '?a=%00#x',
    ),
  },
);

function authArb(env: FuzzEnv): fc.Arbitrary<{ header?: string; who: string }> {
  const t = env.tokens;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ header: `Bearer ${t.admin}`, who: 'admin' }) },
    { weight: 3, arbitrary: fc.constant({ header: `Bearer ${t.approver}`, who: 'approver' }) },
    { weight: 3, arbitrary: fc.constant({ header: `Bearer ${t.requester}`, who: 'requester' }) },
    { weight: 1, arbitrary: fc.constant({ header: `Bearer ${t.requester2}`, who: 'requester2' }) },
    { weight: 2, arbitrary: fc.constant({ header: `Bearer ${t.intake}`, who: 'intake' }) },
    { weight: 1, arbitrary: fc.constant({ who: 'anonymous' }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'Bearer',
          'Bearer ',
          'Bearer rd_nope',
          `bearer ${t.admin}`,
          `Bearer ${t.admin} x`,
          `Bearer  ${t.admin}  `,
          'Basic YWxhZGRpbjpvcGVu',
          `Bearer ${'a'.repeat(4000)}`,
          'Bearer %00',
          'Token x',
          `Bearer ${t.admin}é`,
        )
        .map((header) => ({ header, who: 'garbage' })),
    },
  );
}

interface CaseParts {
  mode: 'clean' | 'noisy';
  method: string;
  id: { id: string; kind: string };
  query: string;
  auth: { header?: string; who: string };
  contentType: string | undefined;
  extra: Record<string, string>;
  body: BodySpec | undefined;
  altEncoding: boolean;
}

/**
 * Two kinds of cases. "clean": documented method, a valid personal token, application/json, a
 * real or fuzzed id, and a schema-derived body: one fault at a time, so the input gets past the
 * envelope checks into validation, the services and the database. "noisy": every dimension
 * fuzzed at once (method, id, query, token, content type and charset, headers, body).
 */
function caseArb(op: Operation, env: FuzzEnv): fc.Arbitrary<Omit<FuzzCase, 'index'>> {
  const t = env.tokens;
  const clean: fc.Arbitrary<CaseParts> = fc.record({
    mode: fc.constant('clean' as const),
    method: fc.constant(op.method),
    id: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...env.realIds).map((id) => ({ id, kind: 'real' })) },
      { weight: 1, arbitrary: idArb(env) },
    ),
    query: op.method === 'GET' ? fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb }) : fc.constant(''),
    auth: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ header: `Bearer ${t.admin}`, who: 'admin' }) },
      { weight: 2, arbitrary: fc.constant({ header: `Bearer ${t.approver}`, who: 'approver' }) },
      { weight: 1, arbitrary: fc.constant({ header: `Bearer ${t.requester}`, who: 'requester' }) },
      { weight: 1, arbitrary: fc.constant({ header: `Bearer ${t.requester2}`, who: 'requester2' }) },
    ),
    contentType: fc.constant('application/json'),
    extra: fc.constant({} as Record<string, string>),
    body: op.body ? schemaBody(op) : fc.constant(undefined),
    altEncoding: fc.constant(false),
  });
  const noisy: fc.Arbitrary<CaseParts> = fc.record({
    mode: fc.constant('noisy' as const),
    method: fc.oneof({ weight: 6, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    id: idArb(env),
    query: queryArb,
    auth: authArb(env),
    contentType: contentTypeArb,
    extra: extraHeadersArb,
    body: bodyArb(op),
    altEncoding: fc.boolean(),
  });
  return fc
    .oneof({ weight: 2, arbitrary: clean }, { weight: 3, arbitrary: noisy })
    .map(({ mode, method, id, query, auth, contentType, extra, body, altEncoding }) => {
      // Node refuses to send characters outside \x21-\xff in a request line: encode just those.
      const path = (op.path.replace(/\{[^}]+\}/g, id.id) + query).replace(/[^\x21-\xff]/g, (ch) => pct(ch));
      const headers: Record<string, string> = { ...extra };
      if (auth.header !== undefined) headers.authorization = auth.header;
      let bytes: Buffer | undefined;
      let encoding = 'utf8';
      if (body) {
        if (contentType !== undefined) headers['content-type'] = contentType;
        if (body.bytes) bytes = body.bytes;
        else {
          const ct = (contentType ?? '').toLowerCase();
          encoding = altEncoding && ct.includes('utf-16') ? 'utf16le' : altEncoding && /latin1|8859/.test(ct) ? 'latin1' : 'utf8';
          bytes = Buffer.from(body.text ?? '', encoding as BufferEncoding);
        }
      } else if (contentType !== undefined && method !== 'GET' && method !== 'HEAD') {
        headers['content-type'] = contentType; // a content type with no body
      }
      const usesId = op.path.includes('{');
      const input = [
        mode,
        `auth=${auth.who}`,
        usesId ? `id=${id.kind}` : undefined,
        query ? `query=${excerpt(query, 80)}` : undefined,
        headers['content-type'] !== undefined ? `ct=${JSON.stringify(excerpt(headers['content-type'], 60))}` : undefined,
        Object.keys(extra).length ? `hdr=${JSON.stringify(extra)}` : undefined,
        body ? `body=${body.kind}${encoding !== 'utf8' ? `[${encoding}]` : ''}(${bytes?.length ?? 0}B)` : 'no-body',
      ]
        .filter(Boolean)
        .join(' ');
      return { op, method, path, headers, body: bytes, input };
    });
}

function describeValue(v: unknown, depth = 0): string {
  if (typeof v === 'string') {
    const tags: string[] = [];
    if (v.includes('\u0000')) tags.push('NUL');
    if (/[\u0001-\u001f\u007f]/.test(v)) tags.push('ctrl');
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)) tags.push('lone-surrogate');
    if (/[^\u0000-\u007f]/.test(v)) tags.push('non-ascii');
    if (v.length > 64) tags.push(`len${v.length}`);
    return `str${tags.length ? `(${tags.join(',')})` : ''}`;
  }
  if (Array.isArray(v)) return depth > 2 ? 'arr…' : `arr[${v.length}]`;
  if (v === null) return 'null';
  if (typeof v === 'object')
    return depth > 2
      ? 'obj…'
      : `obj{${Object.keys(v)
          .slice(0, 3)
          .map((k) => JSON.stringify(k))
          .join(',')}}`;
  return typeof v;
}

function excerpt(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s;
}

// ─── running and reporting ───────────────────────────────────────────────────────────────────

async function runPool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function check(c: FuzzCase, res: RawResponse): string | undefined {
  if (res.status >= 500) return '5xx';
  if (res.status >= 400 && c.method !== 'HEAD' && !isErrorShape(res.json)) return 'error body not in { error: { code, message } } shape';
  return undefined;
}

/** For /api/v1 answers: which of cache-control: no-store and x-content-type-options: nosniff is missing. */
function missingApiHeaders(path: string, res: RawResponse): string | undefined {
  if (!path.startsWith('/api/v1')) return undefined;
  const missing: string[] = [];
  if (!/\bno-store\b/.test(String(res.headers['cache-control'] ?? '')))
    missing.push(`cache-control=${JSON.stringify(res.headers['cache-control'])}`);
  if (res.headers['x-content-type-options'] !== 'nosniff')
    missing.push(`x-content-type-options=${JSON.stringify(res.headers['x-content-type-options'])}`);
  return missing.length ? missing.join(', ') : undefined;
}

function formatFailures(failures: Failure[], total: number, dialect: string): string {
  // Grouped by what went wrong (status, problem, error code or body shape), not by route: one
  // group is usually one root cause; the routes it showed up on are listed with their counts.
  const groups = new Map<string, Failure[]>();
  for (const f of failures) {
    let json: { error?: unknown; code?: unknown } | undefined;
    try {
      json = f.response.startsWith('{') ? (JSON.parse(f.response) as typeof json) : undefined;
    } catch {
      json = undefined;
    }
    const nested = json?.error !== null && typeof json?.error === 'object' ? (json.error as { code?: unknown }).code : undefined;
    const what =
      typeof nested === 'string'
        ? nested
        : json
          ? `body ${JSON.stringify({ error: typeof json.error === 'string' ? json.error : typeof json.error, ...(json.code !== undefined ? { code: json.code } : {}) })}`
          : f.status === 'no response'
            ? f.response.replace(/\d+ ms/, 'N ms')
            : `body ${JSON.stringify(excerpt(f.response, 60))}`;
    const key = `${f.status} — ${f.problem} — ${what}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines = [
    `${failures.length} of ${total} fuzz requests failed on ${dialect} (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}), ${groups.size} distinct groups:`,
  ];
  for (const [key, fs] of [...groups.entries()].sort((a, b) => b[1].length - a[1].length)) {
    const routes = new Map<string, number>();
    for (const f of fs) routes.set(`${f.c.method} ${f.c.op.path}`, (routes.get(`${f.c.method} ${f.c.op.path}`) ?? 0) + 1);
    lines.push(`\n[${fs.length}×] ${key}`);
    lines.push(
      `   routes: ${[...routes.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} (${n})`)
        .join(', ')}`,
    );
    // Up to 4 examples, on different routes first.
    const examples: Failure[] = [];
    for (const f of fs)
      if (examples.length < 4 && !examples.some((e) => e.c.method === f.c.method && e.c.op.path === f.c.op.path)) examples.push(f);
    for (const f of fs) if (examples.length < 4 && !examples.includes(f)) examples.push(f);
    for (const f of examples) {
      const body = f.c.body ? JSON.stringify(excerpt(f.c.body.toString('utf8'), 160)) : '-';
      lines.push(
        `   #${f.c.index} ${f.c.method} ${excerpt(f.c.path, 140)}\n      input: ${f.c.input}\n      body:  ${body}\n      → ${f.status} ${excerpt(f.response, 240)}`,
      );
    }
  }
  lines.push(`\nReplay one case: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_ONLY=<#index> npx vitest run test/security-fuzz.test.ts`);
  return lines.join('\n');
}

// ─── the suite ───────────────────────────────────────────────────────────────────────────────

describe.each(DIALECTS)('security fuzz on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  /** The fuzzer's requesters: not alice nor bob, whose per-person request limits the other checks rely on. */
  let dave: string;
  let heidi: string;
  let approver: string;
  let admin: string;
  let intake: string;

  beforeAll(async () => {
    t = await startTestContext(dialect, { env: RATE_LIMIT_ENV, policy: NO_COOLDOWN });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    dave = await t.token('dave@example.com');
    heidi = await t.token('heidi@example.com');
    approver = await t.token('irene@example.com', 'approver');
    admin = await t.token('root@example.com', 'admin');
    intake = await t.token('slack-bot@example.com', 'intake');
  });
  afterAll(async () => t?.close());

  /** /api/v1 answers of the fuzz run without cache-control: no-store or nosniff, by status and code (checked below). */
  const fuzzHeaderMisses = new Map<string, { count: number; example: string }>();

  const send = (r: RawRequest) => rawRequest(t.url, r);
  const jsonHeaders = (token?: string, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });
  const shown = (res: RawResponse) => `${res.status} ${excerpt(res.text, 400)}`;

  async function createRequest(app: string, token = alice): Promise<string> {
    const res = await t.create(token, { app, justification: 'security fuzz' });
    expect(res.status, JSON.stringify(res.error)).toBe(201);
    return res.data!.request_id;
  }
  /** Filed by bob, so alice's per-person request limits stay free for the checks that use her. */
  async function escalatedRequest(): Promise<string> {
    const id = await createRequest('Salesforce', bob);
    await t.waitForStatus(id, admin, ['Escalated']);
    return id;
  }

  describe('fuzzer', () => {
    it(`sends ≥ ${RUNS} malformed requests to every route: never a 5xx, errors always { error: { code, message } }`, async () => {
      const started = Date.now();
      const docRes = await send({ method: 'GET', path: '/api/openapi.json' });
      expect(docRes.status).toBe(200);
      // The server's own route list, when it exposes one, adds routes missing from the document.
      const registered = (t.app.server as unknown as { routeList?: { method: string; url: string }[] }).routeList ?? [];
      const ops = operationsFrom(docRes.json as Parameters<typeof operationsFrom>[0], registered);

      // Real ids: escalated requests (decidable, filed by bob) and a completed one (alice's).
      const realIds = [...(await Promise.all(Array.from({ length: 5 }, () => escalatedRequest()))), await createRequest('Expensify')];
      const env: FuzzEnv = { tokens: { admin, approver, requester: dave, requester2: heidi, intake }, realIds };

      // Exactly the same share of cases for every operation; each operation has its own seed.
      const perOp = Math.ceil(RUNS / ops.length);
      const byOp = ops.map((op, k) => fc.sample(caseArb(op, env), { seed: SEED + k, numRuns: perOp }));
      const cases: FuzzCase[] = [];
      for (let i = 0; i < perOp; i++) for (const list of byOp) cases.push({ ...list[i]!, index: cases.length });
      const selected = ONLY ? cases.filter((c) => ONLY.has(c.index)) : cases;
      console.log(
        `[security-fuzz] ${dialect}: FUZZ_SEED=${SEED}, ${selected.length} requests over ${ops.length} operations (${perOp} each), concurrency ${CONCURRENCY}: ` +
          ops.map((o) => `${o.method} ${o.path}${o.documented ? '' : ' (undocumented)'}`).join(', '),
      );

      const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const failures: Failure[] = [];
      const retried: string[] = [];
      const byOpStatus = new Map<string, Map<number, number>>();
      const statuses = new Map<number | string, number>();
      try {
        await runPool(selected, CONCURRENCY, async (c) => {
          const request: RawRequest = {
            method: c.method,
            path: c.path,
            headers: c.headers,
            ...(c.body ? { body: c.body } : {}),
            timeoutMs: 10_000,
          };
          let res: RawResponse | undefined;
          let error: Error | undefined;
          try {
            res = await rawRequest(t.url, { ...request, agent });
          } catch (err) {
            // A reused keep-alive connection can be closed under us by an earlier answer; only a
            // failure on a fresh connection is the server's.
            retried.push(`#${c.index} ${(err as Error).message}`);
            try {
              res = await rawRequest(t.url, request);
            } catch (err2) {
              error = err2 as Error;
            }
          }
          if (VERBOSE)
            console.log(
              `#${c.index} ${c.method} ${excerpt(c.path, 100)} ${c.input} → ${res ? `${res.status} ${excerpt(res.text, 160)}` : error?.message}`,
            );
          if (res) {
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const opKey = `${c.op.method} ${c.op.path}`;
            const perOpStatuses = byOpStatus.get(opKey) ?? new Map<number, number>();
            perOpStatuses.set(res.status, (perOpStatuses.get(res.status) ?? 0) + 1);
            byOpStatus.set(opKey, perOpStatuses);
            const problem = check(c, res);
            if (problem) failures.push({ c, status: res.status, problem, response: res.text });
            const missing = missingApiHeaders(c.path, res);
            if (missing) {
              const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code ?? '-';
              const key = `${res.status} ${code}: ${missing}`;
              const seen = fuzzHeaderMisses.get(key);
              if (seen) seen.count++;
              else fuzzHeaderMisses.set(key, { count: 1, example: `#${c.index} ${c.method} ${excerpt(c.path, 100)}` });
            }
          } else {
            statuses.set('no response', (statuses.get('no response') ?? 0) + 1);
            failures.push({
              c,
              status: 'no response',
              problem: 'no HTTP response on a fresh connection',
              response: error?.message ?? 'unknown',
            });
          }
        });
      } finally {
        agent.destroy();
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const histogram = [...statuses.entries()]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      console.log(
        `[security-fuzz] ${dialect}: ${selected.length} requests in ${seconds} s; statuses ${histogram}; ${failures.length} failures` +
          (retried.length
            ? `; ${retried.length} keep-alive connections dropped and retried on a fresh one (${retried.slice(0, 5).join('; ')}${retried.length > 5 ? '; …' : ''})`
            : ''),
      );
      console.log(
        `[security-fuzz] ${dialect}: statuses per operation:\n` +
          [...byOpStatus.entries()]
            .map(
              ([op, m]) =>
                `  ${op}: ${[...m.entries()]
                  .sort((a, b) => a[0] - b[0])
                  .map(([st, n]) => `${st}:${n}`)
                  .join(' ')}`,
            )
            .join('\n'),
      );
      if (failures.length) console.log(formatFailures(failures, selected.length, dialect));

      if (!ONLY) {
        expect(selected.length).toBeGreaterThanOrEqual(2_000);
        for (const path of ['/healthz', '/readyz', '/api/openapi.json']) expect(ops.map((o) => o.path)).toContain(path);
        expect(ops.filter((o) => o.path.startsWith('/api/v1/')).length).toBeGreaterThan(0);
      }
      expect(failures.length, formatFailures(failures, selected.length, dialect)).toBe(0);
    }, 180_000);

    it('leaves a healthy server: /healthz 200, a normal request is created and decided, the listener is up', async () => {
      expect(t.app.server.server.listening).toBe(true);
      const health = await send({ method: 'GET', path: '/healthz' }); // a fresh connection
      expect(health.status).toBe(200);
      expect(health.json).toEqual({ status: 'ok' });
      const created = await t.create(alice, { app: 'Expensify', justification: 'x' });
      expect(created.status, JSON.stringify(created.error)).toBe(201);
      const decided = await t.waitForStatus(
        created.data!.request_id,
        alice,
        ['Waiting', 'Escalated', 'PendingExternal', 'Completed', 'Rejected', 'Failed', 'Cancelled', 'Closed'],
        45_000,
      );
      // Completed, or already Closed as Completed once its email went out.
      expect(decided.status === 'Closed' ? decided.resolution : decided.status).toBe('Completed');
      expect(decided.ruleId).toBe('swa_self_service');
    }, 60_000);
  });

  describe('known holes, deterministic', () => {
    const namesField = (res: RawResponse, field: string): boolean => {
      const error = (res.json as { error?: { message?: string; details?: { fields?: { field?: string }[] } } } | undefined)?.error;
      const fields = error?.details?.fields ?? [];
      return fields.some((f) => f.field === field) || (error?.message ?? '').includes(field);
    };

    it.each([
      ['app', () => alice, '/api/v1/requests', { app: 'Expen\u0000sify', justification: 'x' }],
      ['justification', () => alice, '/api/v1/requests', { app: 'Expensify', justification: 'before\u0000after' }],
      ['name', () => admin, '/api/v1/apps', { name: 'Nul\u0000App' }],
      ['approverGroup', () => admin, '/api/v1/apps', { name: 'Nul Group App', approverGroup: 'owners\u0000' }],
      ['url', () => admin, '/api/v1/apps', { name: 'Nul Url App', url: 'https://example.com/\u0000reset' }],
    ] as const)('a \\u0000 in %s is a 400 naming the field', async (field, token, path, body) => {
      const res = await send({ method: 'POST', path, headers: jsonHeaders(token()), body: JSON.stringify(body) });
      expect(res.status, shown(res)).toBe(400);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
      expect(namesField(res, field), shown(res)).toBe(true);
    });

    it('an app name that grows when lower-cased ("İ" × 200 → 400 characters) is a 201 or a 400, never a 500', async () => {
      const res = await send({
        method: 'POST',
        path: '/api/v1/apps',
        headers: jsonHeaders(admin),
        body: JSON.stringify({ name: 'İ'.repeat(200) }),
      });
      expect([201, 400], shown(res)).toContain(res.status);
      expect(isErrorShape(res.json) || res.status === 201, shown(res)).toBe(true);
    });

    it.each(['approve', 'deny'])('a \\u0000 in the %s comment is a 400 naming comment, and decides nothing', async (action) => {
      const id = await escalatedRequest();
      const res = await send({
        method: 'POST',
        path: `/api/v1/requests/${id}/${action}`,
        headers: jsonHeaders(approver),
        body: JSON.stringify({ comment: 'ok\u0000' }),
      });
      expect(res.status, shown(res)).toBe(400);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
      expect(namesField(res, 'comment'), shown(res)).toBe(true);
      expect((await t.request(id, admin)).status).toBe('Escalated');
    });

    it.each([
      ['GET', '/api/v1/requests/abc%00def', () => admin],
      ['GET', '/api/v1/requests/abc%00def', () => alice],
      ['GET', '/api/v1/requests/abc%00def/events', () => admin],
      ['POST', '/api/v1/requests/abc%00def/approve', () => approver],
      ['POST', '/api/v1/requests/abc%00def/deny', () => approver],
    ] as const)('%s %s (a \\u0000 in the id) is a 404', async (method, path, token) => {
      const res = await send({ method, path, headers: { authorization: `Bearer ${token()}` } });
      expect(res.status, shown(res)).toBe(404);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
    });

    it('10 concurrent identical POST /api/v1/apps: exactly one 201, nine 409 APP_ALREADY_EXISTS, no 500 (5 rounds)', async () => {
      // Ten warm keep-alive connections, so the ten requests reach the server together.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
      try {
        await Promise.all(Array.from({ length: 10 }, () => send({ method: 'GET', path: '/healthz', agent })));
        const problems: string[] = [];
        for (let round = 1; round <= 5; round++) {
          const name = `Race App ${round}`;
          const body = JSON.stringify({ name });
          const results = await Promise.all(
            Array.from({ length: 10 }, () => send({ method: 'POST', path: '/api/v1/apps', headers: jsonHeaders(admin), body, agent })),
          );
          const statuses = results.map((r) => r.status).sort();
          const codes = results
            .filter((r) => r.status === 409)
            .map((r) => (r.json as { error?: { code?: string } } | undefined)?.error?.code);
          if (
            JSON.stringify(statuses) !== JSON.stringify([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]) ||
            codes.some((c) => c !== 'APP_ALREADY_EXISTS')
          ) {
            problems.push(`round ${round} ("${name}"): statuses ${statuses.join(',')}\n  ${[...new Set(results.map(shown))].join('\n  ')}`);
          }
          const apps = (await t.client(admin).GET('/api/v1/apps')).data!.apps;
          const stored = apps.filter((a) => a.name.toLowerCase() === name.toLowerCase()).length;
          if (stored !== 1) problems.push(`round ${round}: ${stored} apps named "${name}" stored`);
        }
        expect(problems, problems.join('\n')).toEqual([]);
      } finally {
        agent.destroy();
      }
    });

    it.each(['application/json; charset=latin1', 'application/json; charset=utf-16'])(
      'content-type "%s" is a 415 UNSUPPORTED_MEDIA_TYPE',
      async (contentType) => {
        const text = JSON.stringify({ app: 'Expensify', justification: 'charset' });
        const body = contentType.endsWith('utf-16') ? Buffer.from(text, 'utf16le') : Buffer.from(text, 'latin1');
        const res = await send({
          method: 'POST',
          path: '/api/v1/requests',
          headers: jsonHeaders(alice, { 'content-type': contentType }),
          body,
        });
        expect(res.status, shown(res)).toBe(415);
        expect((res.json as { error?: { code?: string } } | undefined)?.error?.code, shown(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
      },
    );

    it('content-type "application/json; charset=utf-8" still works (201)', async () => {
      const res = await send({
        method: 'POST',
        path: '/api/v1/requests',
        headers: jsonHeaders(alice, { 'content-type': 'application/json; charset=utf-8' }),
        body: JSON.stringify({ app: 'Expensify', justification: 'utf-8' }),
      });
      expect(res.status, shown(res)).toBe(201);
    });

    it('an anonymous 5 MB body to POST /api/v1/requests is a 401, not a 413', async () => {
      const body = JSON.stringify({ app: 'Expensify', justification: 'x'.repeat(5 * 1024 * 1024) });
      const res = await send({ method: 'POST', path: '/api/v1/requests', headers: jsonHeaders(), body, timeoutMs: 20_000 });
      expect(res.status, shown(res)).toBe(401);
      expect((res.json as { error?: { code?: string } } | undefined)?.error?.code, shown(res)).toBe('UNAUTHENTICATED');
    });

    it('a malformed URL (/api/v1/requests/%E0%A4%A) is a 400 in the error shape', async () => {
      const res = await send({ method: 'GET', path: '/api/v1/requests/%E0%A4%A', headers: { authorization: `Bearer ${admin}` } });
      expect(res.status, shown(res)).toBe(400);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
    });

    it('an over-long URL (100 KB path) is a 414/431/400 in the error shape', async () => {
      let res: RawResponse;
      try {
        res = await send({
          method: 'GET',
          path: `/api/v1/requests/${'a'.repeat(100 * 1024)}`,
          headers: { authorization: `Bearer ${admin}` },
        });
      } catch (err) {
        throw new Error(`no HTTP response at all (connection dropped): ${(err as Error).message}`);
      }
      expect([400, 414, 431], shown(res)).toContain(res.status);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
    });

    it('a header over 16 KB is a 431 in the error shape', async () => {
      let res: RawResponse;
      try {
        res = await send({
          method: 'GET',
          path: '/api/v1/requests',
          headers: { authorization: `Bearer ${admin}`, 'x-padding': 'a'.repeat(20 * 1024) },
        });
      } catch (err) {
        throw new Error(`no HTTP response at all (connection dropped): ${(err as Error).message}`);
      }
      expect(res.status, shown(res)).toBe(431);
      expect(isErrorShape(res.json), shown(res)).toBe(true);
    });

    it('every /api/v1 response (success and error, probes and the fuzz run) carries cache-control: no-store and x-content-type-options: nosniff', async () => {
      const probes: [string, RawRequest][] = [
        ['200 list', { method: 'GET', path: '/api/v1/requests', headers: { authorization: `Bearer ${admin}` } }],
        [
          '201 create',
          {
            method: 'POST',
            path: '/api/v1/requests',
            headers: jsonHeaders(alice),
            body: JSON.stringify({ app: 'Expensify', justification: 'headers' }),
          },
        ],
        ['200 apps', { method: 'GET', path: '/api/v1/apps', headers: { authorization: `Bearer ${alice}` } }],
        ['400 validation', { method: 'GET', path: '/api/v1/requests?limit=0', headers: { authorization: `Bearer ${admin}` } }],
        ['400 invalid JSON', { method: 'POST', path: '/api/v1/requests', headers: jsonHeaders(alice), body: '{"app":' }],
        ['400 bad URL', { method: 'GET', path: '/api/v1/requests/%E0%A4%A', headers: { authorization: `Bearer ${admin}` } }],
        ['401', { method: 'GET', path: '/api/v1/requests' }],
        ['403', { method: 'POST', path: '/api/v1/apps', headers: jsonHeaders(alice), body: JSON.stringify({ name: 'X' }) }],
        ['404 request', { method: 'GET', path: '/api/v1/requests/req_unknown', headers: { authorization: `Bearer ${admin}` } }],
        ['404 route', { method: 'GET', path: '/api/v1/nope', headers: { authorization: `Bearer ${admin}` } }],
        ['404 method', { method: 'DELETE', path: '/api/v1/apps', headers: { authorization: `Bearer ${admin}` } }],
        [
          '413',
          {
            method: 'POST',
            path: '/api/v1/requests',
            headers: jsonHeaders(alice),
            body: JSON.stringify({ app: 'Expensify', justification: 'x'.repeat(100 * 1024) }),
          },
        ],
        [
          '415',
          {
            method: 'POST',
            path: '/api/v1/requests',
            headers: jsonHeaders(alice, { 'content-type': 'text/plain' }),
            body: 'app=Expensify',
          },
        ],
        [
          '431 header too large',
          { method: 'GET', path: '/api/v1/requests', headers: { authorization: `Bearer ${admin}`, 'x-padding': 'a'.repeat(20 * 1024) } },
        ],
      ];
      const missing: string[] = [];
      for (const [name, probe] of probes) {
        const res = await send(probe);
        const miss = missingApiHeaders(probe.path, res);
        if (miss) missing.push(`${name} (${res.status} ${probe.method} ${probe.path.slice(0, 60)}): ${miss}`);
      }
      for (const [key, { count, example }] of fuzzHeaderMisses) missing.push(`fuzz run, ${count}× ${key} (e.g. ${example})`);
      expect(missing, missing.join('\n')).toEqual([]);
    });

    it('/readyz shows only { status } without an admin token, and the checks with one', async () => {
      const anonymous = await send({ method: 'GET', path: '/readyz' });
      expect(anonymous.status, shown(anonymous)).toBe(200);
      expect(anonymous.json, shown(anonymous)).toEqual({ status: 'ready' });
      const requester = await send({ method: 'GET', path: '/readyz', headers: { authorization: `Bearer ${alice}` } });
      expect(requester.json, shown(requester)).toEqual({ status: 'ready' });
      const asAdmin = await send({ method: 'GET', path: '/readyz', headers: { authorization: `Bearer ${admin}` } });
      expect(asAdmin.status, shown(asAdmin)).toBe(200);
      expect(asAdmin.json, shown(asAdmin)).toMatchObject({ status: 'ready', checks: { database: 'ok', okta: 'ok' } });
    });
  });
});
