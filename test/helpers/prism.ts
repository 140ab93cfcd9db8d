/**
 * Stoplight Prism in proxy mode for contract tests: patches the vendor's OpenAPI file so Prism 5
 * loads it, starts `prism proxy` as a child process in front of an upstream (the Okta sandbox),
 * and records every violation Prism reports — from its log and from the responses it returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Okta Management API spec: `$OKTA_OPENAPI_SPEC`, else `shared/vendor-specs/` beside the
 * repository (where CI's clone has it). Throws — never skips — when the file is missing.
 */
export function resolveOktaSpecPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['OKTA_OPENAPI_SPEC'];
  const specPath = fromEnv ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, '../shared/vendor-specs/okta-management-openapi.yaml');
  if (!existsSync(specPath)) {
    throw new Error(
      `Okta OpenAPI spec not found at ${specPath} ` +
        (fromEnv ? '(from OKTA_OPENAPI_SPEC). ' : '(expected ../shared/vendor-specs/ beside the repository). ') +
        'The Okta contract test needs okta-management-openapi.yaml (okta/okta-management-openapi-spec, ' +
        'dist/current/management-minimal.yaml); set OKTA_OPENAPI_SPEC to its path.',
    );
  }
  return specPath;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Copies `value`, renaming every `$ref` key (these are example data, not references). */
function renameRefKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(renameRefKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, v] of Object.entries(value)) out[key === '$ref' ? 'x-ref' : key] = renameRefKeys(v);
    return out;
  }
  return value;
}

export interface PatchedSpec {
  /** The patched spec (JSON, which Prism loads faster than YAML). */
  file: string;
  /** What was changed, for the test's log. */
  changes: string[];
  remove(): void;
}

/**
 * Writes a copy of the Okta spec that Prism 5 accepts (see shared/vendor-specs/README.md): inside
 * `components.examples.*.value` literal `$ref` keys (sample data such as `#/definitions/base`)
 * are renamed to `x-ref`, and a schema-level `example` that `$ref`s a missing example
 * (`LogDevice.example`) is dropped. The shared file itself is never modified.
 */
export function writePatchedOktaSpec(specPath: string): PatchedSpec {
  const doc = parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 }) as { [key: string]: Json };
  const components = doc['components'] as { [key: string]: { [key: string]: Json } } | undefined;
  if (!components) throw new Error(`${specPath} has no components section; is it the Okta Management API spec?`);
  const changes: string[] = [];

  const examples = components['examples'] ?? {};
  for (const [name, example] of Object.entries(examples)) {
    if (!example || typeof example !== 'object' || Array.isArray(example) || !('value' in example)) continue;
    const before = JSON.stringify(example['value']);
    example['value'] = renameRefKeys(example['value'] ?? null);
    if (JSON.stringify(example['value']) !== before) changes.push(`components.examples.${name}.value: $ref keys renamed to x-ref`);
  }

  const schemas = components['schemas'] ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) continue;
    const example = schema['example'];
    if (!example || typeof example !== 'object') continue;
    const refs = JSON.stringify(example).match(/"#\/components\/examples\/[^"]+"/g) ?? [];
    const missing = refs.map((r) => r.slice('"#/components/examples/'.length, -1)).filter((n) => !(n in examples));
    if (missing.length > 0) {
      delete schema['example'];
      changes.push(`components.schemas.${name}.example dropped (points to missing example ${missing.join(', ')})`);
    }
  }

  const refSiblings = dropRefSiblingNullable(doc);
  if (refSiblings > 0) changes.push(`${refSiblings} "nullable" sibling(s) of $ref dropped`);
  const enums = dedupeEnums(doc);
  if (enums > 0) changes.push(`${enums} enum(s) with duplicate values deduplicated`);
  const discriminated = rewriteDiscriminatedOneOfs(doc);
  if (discriminated > 0) changes.push(`${discriminated} discriminated oneOf(s) rewritten as discriminator-selected if/then`);
  const inherited = applyBaseSchemaDiscriminators(schemas);
  if (inherited > 0) changes.push(`${inherited} base schema discriminator(s) made to select their subtype schema`);

  const dir = mkdtempSync(path.join(tmpdir(), 'resetdesk-okta-spec-'));
  const file = path.join(dir, 'okta-management-openapi.patched.json');
  writeFileSync(file, JSON.stringify(doc));
  return { file, changes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * OpenAPI 3.0 ignores every sibling of a `$ref`, but Prism's AJV refuses to compile a schema
 * with `nullable` beside a `$ref` ("nullable" cannot be used without "type") — and Prism then
 * SILENTLY skips validating that response (e.g. every OPENID_CONNECT app: its credentials reach
 * `OAuth2ClientJsonWebKeyResponseBase._links`). Dropping those ignored siblings keeps the meaning.
 */
function dropRefSiblingNullable(root: Json): number {
  let count = 0;
  const visit = (value: Json): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    if (typeof value['$ref'] === 'string' && 'nullable' in value) {
      delete value['nullable'];
      count += 1;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(root);
  return count;
}

/**
 * An `enum` listing a value twice is an invalid JSON Schema, so AJV refuses the whole response
 * schema and Prism silently validates nothing. Okta's `SamlAssertionEncryption.encryptionAlgorithm`
 * lists `AES256_CBC` twice — reached by every SAML_2_0 app once discriminators apply.
 */
function dedupeEnums(root: Json): number {
  let count = 0;
  const visit = (value: Json): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const values = value['enum'];
    if (Array.isArray(values)) {
      const unique = values.filter((v, i) => values.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) === i);
      if (unique.length !== values.length) {
        value['enum'] = unique;
        count += 1;
      }
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(root);
  return count;
}

/**
 * Prism 5 validates with AJV without `discriminator: true`, so it checks a `oneOf` as plain JSON
 * Schema: exactly one branch must match. Okta's role-assignment schemas (`oneOf [StandardRole,
 * CustomRole]` + `discriminator.mapping` on `type`) overlap completely — both require only
 * `type` and allow extra properties — so EVERY role assignment, even one copied from Okta's
 * docs, "must match exactly one schema in oneOf", and with --errors Prism replaces the answer
 * with a 500. This rewrites each such `oneOf` into what the discriminator means: the branch named
 * by the mapping for the payload's discriminator value must match (values not in the mapping
 * keep the plain oneOf). The schemas themselves are not relaxed.
 */
function rewriteDiscriminatedOneOfs(root: Json): number {
  let count = 0;
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const child of Object.values(value)) visit(child);
    const oneOf = value['oneOf'];
    const discriminator = value['discriminator'];
    if (!Array.isArray(oneOf) || !discriminator || typeof discriminator !== 'object' || Array.isArray(discriminator)) return;
    const prop = discriminator['propertyName'];
    const mapping = discriminator['mapping'];
    if (typeof prop !== 'string' || !mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return;
    const byTarget = new Map<string, string[]>();
    for (const [key, target] of Object.entries(mapping)) {
      if (typeof target !== 'string') return;
      byTarget.set(target, [...(byTarget.get(target) ?? []), key]);
    }
    const allKeys = Object.keys(mapping);
    const has = (keys: string[]): Json => ({ type: 'object', required: [prop], properties: { [prop]: { enum: keys } } });
    const branches: Json[] = [...byTarget].map(([target, keys]) => ({ if: has(keys), then: { $ref: target } }));
    branches.push({ if: { not: has(allKeys) }, then: { oneOf } });
    delete value['oneOf'];
    delete value['discriminator'];
    value['allOf'] = [...(Array.isArray(value['allOf']) ? value['allOf'] : []), ...branches];
    count += 1;
  };
  visit(root);
  return count;
}

/**
 * The other half of Prism's blind spot: a base schema with a discriminator (`Application` on
 * `signOnMode`, `UserFactor` on `factorType`, …) is validated by Prism only as the base, so the
 * subtype's own rules (`BrowserPluginApplication` requires `name` and `settings`, …) are never
 * checked. OpenAPI says the payload must be valid against the schema the mapping names, so the
 * base gets a discriminator-selected `if/then` to that subtype. Subtypes extend the base through
 * `allOf: [{$ref: Base}, …]`; they are pointed at a discriminator-free copy (`Base__base`) so the
 * check cannot recurse.
 */
function applyBaseSchemaDiscriminators(schemas: { [key: string]: Json }): number {
  let count = 0;
  for (const [name, schema] of Object.entries(schemas)) {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema) || 'oneOf' in schema || 'anyOf' in schema) continue;
    const discriminator = schema['discriminator'];
    if (!discriminator || typeof discriminator !== 'object' || Array.isArray(discriminator)) continue;
    const prop = discriminator['propertyName'];
    const mapping = discriminator['mapping'];
    if (typeof prop !== 'string' || !mapping || typeof mapping !== 'object' || Array.isArray(mapping)) continue;
    const ownRef = `#/components/schemas/${name}`;
    const baseName = `${name}__base`;
    const { discriminator: _dropped, ...base } = schema;
    schemas[baseName] = base;
    const byTarget = new Map<string, string[]>();
    for (const [key, target] of Object.entries(mapping)) {
      if (typeof target !== 'string' || target === ownRef) continue;
      byTarget.set(target, [...(byTarget.get(target) ?? []), key]);
      const sub = schemas[target.replace('#/components/schemas/', '')];
      const allOf = sub && typeof sub === 'object' && !Array.isArray(sub) ? sub['allOf'] : undefined;
      if (Array.isArray(allOf)) {
        for (const part of allOf) {
          if (part && typeof part === 'object' && !Array.isArray(part) && part['$ref'] === ownRef) part['$ref'] = `#/components/schemas/${baseName}`;
        }
      }
    }
    const branches: Json[] = [...byTarget].map(([target, keys]) => ({
      if: { type: 'object', required: [prop], properties: { [prop]: { enum: keys } } },
      then: { $ref: target },
    }));
    delete schema['discriminator'];
    schema['allOf'] = [...(Array.isArray(schema['allOf']) ? schema['allOf'] : []), ...branches];
    count += 1;
  }
  return count;
}

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
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'prism.cmd' : 'prism');
  if (!existsSync(bin)) throw new Error(`Stoplight Prism is not installed at ${bin} (devDependency @stoplight/prism-cli; run npm ci)`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    ['proxy', opts.spec, opts.upstream, '--host', '127.0.0.1', '--port', String(port), '--errors', '--validate-request'],
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
      const body = (await res.clone().json().catch(() => ({}))) as { type?: string; title?: string; detail?: string; validation?: { severity?: string; message?: string; location?: string[] }[] };
      if (typeof body.type === 'string' && PRISM_ERROR_TYPE.test(body.type)) {
        const validation = body.validation ?? [];
        if (validation.length === 0) record({ ...base, severity: 'Error', message: `${body.type}: ${body.title ?? ''} ${body.detail ?? ''}`.trim() });
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
export function parseLogViolations(lines: readonly string[]): PrismViolation[] {
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

/** Requests carrying this header get a corrupted answer from the tamper relay. */
export const TAMPER_HEADER = 'x-contract-tamper';

/** Every string property of the object (or of an array's first object) becomes a number. */
export function corruptJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [corruptJson(value[0]), ...value.slice(1)] : value;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? 12345 : v]));
}

export interface TamperRelay {
  url: string;
  close(): Promise<void>;
}

/**
 * A transparent HTTP relay between Prism and the upstream, byte for byte (raw headers kept, so
 * repeated `Link` headers stay separate) — except that a request with TAMPER_HEADER gets its JSON
 * answer corrupted by `corruptJson`. A test uses it to prove Prism really validates each
 * operation's response: Prism skips validation silently when it cannot compile a schema.
 */
export async function startTamperRelay(upstream: string): Promise<TamperRelay> {
  const target = new URL(upstream);
  const server = createHttpServer((req, res) => {
    const tamper = req.headers[TAMPER_HEADER] !== undefined;
    const headers = { ...req.headers };
    delete headers[TAMPER_HEADER];
    const out = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upstreamRes) => {
        if (!tamper) {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
          upstreamRes.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => chunks.push(c));
        upstreamRes.on('end', () => {
          let body = Buffer.concat(chunks).toString('utf8');
          try {
            body = JSON.stringify(corruptJson(JSON.parse(body) as unknown));
          } catch {
            // not JSON: passed through unchanged
          }
          const raw: string[] = [];
          for (let i = 0; i + 1 < upstreamRes.rawHeaders.length; i += 2) {
            const name = upstreamRes.rawHeaders[i] ?? '';
            if (!['content-length', 'transfer-encoding'].includes(name.toLowerCase())) raw.push(name, upstreamRes.rawHeaders[i + 1] ?? '');
          }
          raw.push('content-length', String(Buffer.byteLength(body)));
          res.writeHead(upstreamRes.statusCode ?? 502, raw);
          res.end(body);
        });
      },
    );
    out.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tamper relay: ${err.message}`);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('tamper relay did not listen');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
