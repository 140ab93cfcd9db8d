import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTypesSource } from '../scripts/api-types.mjs';
import { startTestContext, type TestContext } from './helpers/test-context.js';

const COMMITTED_DOCUMENT = new URL('../docs/openapi.json', import.meta.url);
const COMMITTED_TYPES = new URL('../src/http/api-types.ts', import.meta.url);

/** docs/openapi.json, as the OpenAPI 3.1 document it must be (the tests below check that it is). */
const committedDocument = (): OpenAPIV3_1.Document => JSON.parse(readFileSync(COMMITTED_DOCUMENT, 'utf8'));

/**
 * The OpenAPI document is generated from the route tables; docs/openapi.json and the typed
 * client's types (src/http/api-types.ts) are committed. These fail when the routes change and
 * `npm run openapi` was not run, so the document can never drift from the server.
 */
describe('the OpenAPI document', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext('sqlite');
  });
  afterAll(async () => t?.close());

  it('the server serves exactly the committed docs/openapi.json (else run `npm run openapi`)', async () => {
    const served = await t.client().GET('/api/openapi.json');
    expect(served.response.status).toBe(200);
    expect(served.data).toEqual(committedDocument());
  });

  it('is valid OpenAPI 3.1', async () => {
    const document = committedDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(document);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('documents every route the server registered, with its auth', async () => {
    const document = committedDocument();
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, ops]) =>
      Object.keys(ops ?? {}).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const registered = t.app.server.routeList.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(registered.sort());
    expect(document.paths?.['/healthz']?.get?.security).toEqual([]);
    expect(document.paths?.['/api/v1/apps']?.post?.responses?.['403']?.description).toContain('FORBIDDEN');
    // An array in toMatchObject must match element for element: as strict as toEqual on `required`.
    expect(document.components?.schemas?.CreateRequest).toMatchObject({ required: ['app', 'justification'] });
  });

  it('the committed client types are what openapi-typescript makes of the committed document', async () => {
    const document = committedDocument();
    expect(readFileSync(COMMITTED_TYPES, 'utf8')).toBe(await apiTypesSource(document));
  });
});
