/**
 * The vendor's Okta OpenAPI file, patched at test time so Stoplight Prism 5 loads it and really
 * validates (see test/vendor/README.md and the notes on each patch below).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Okta Management API spec: `$OKTA_OPENAPI_SPEC`, else the copy in test/vendor/. Throws —
 * never skips — when the file is missing.
 */
export function resolveOktaSpecPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OKTA_OPENAPI_SPEC;
  const specPath = fromEnv ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, 'test/vendor/okta-management-openapi.yaml');
  if (!existsSync(specPath)) {
    throw new Error(
      `Okta OpenAPI spec not found at ${specPath} ` +
        (fromEnv ? '(from OKTA_OPENAPI_SPEC). ' : '(the copy in test/vendor/ is missing). ') +
        'The Okta contract test needs okta-management-openapi.yaml (okta/okta-management-openapi-spec, ' +
        'dist/current/management-minimal.yaml); set OKTA_OPENAPI_SPEC to its path.',
    );
  }
  return specPath;
}

type Json = null | boolean | number | string | Json[] | JsonObject;
type JsonObject = { [key: string]: Json };

/** Calls `fn` on every object inside `root`, through arrays too: before its children, or after them. */
function forEachObject(root: Json, fn: (object: JsonObject) => void, order: 'parents-first' | 'children-first' = 'parents-first'): void {
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!value || typeof value !== 'object') return;
    if (order === 'parents-first') fn(value);
    for (const child of Object.values(value)) visit(child);
    if (order === 'children-first') fn(value);
  };
  visit(root);
}

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
 * Writes a copy of the Okta spec that Prism 5 accepts (see test/vendor/README.md): inside
 * `components.examples.*.value` literal `$ref` keys (sample data such as `#/definitions/base`)
 * are renamed to `x-ref`, and a schema-level `example` that `$ref`s a missing example
 * (`LogDevice.example`) is dropped. The vendored file itself is never modified.
 */
export function writePatchedOktaSpec(specPath: string): PatchedSpec {
  const doc = parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 }) as { [key: string]: Json };
  const components = doc.components as { [key: string]: { [key: string]: Json } } | undefined;
  if (!components) throw new Error(`${specPath} has no components section; is it the Okta Management API spec?`);
  const changes: string[] = [];

  const examples = components.examples ?? {};
  for (const [name, example] of Object.entries(examples)) {
    if (!example || typeof example !== 'object' || Array.isArray(example) || !('value' in example)) continue;
    const before = JSON.stringify(example.value);
    example.value = renameRefKeys(example.value ?? null);
    if (JSON.stringify(example.value) !== before) changes.push(`components.examples.${name}.value: $ref keys renamed to x-ref`);
  }

  const schemas = components.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) continue;
    const example = schema.example;
    if (!example || typeof example !== 'object') continue;
    const refs = JSON.stringify(example).match(/"#\/components\/examples\/[^"]+"/g) ?? [];
    const missing = refs.map((r) => r.slice('"#/components/examples/'.length, -1)).filter((n) => !(n in examples));
    if (missing.length > 0) {
      delete schema.example;
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
  forEachObject(root, (value) => {
    if (typeof value.$ref === 'string' && 'nullable' in value) {
      delete value.nullable;
      count += 1;
    }
  });
  return count;
}

/**
 * An `enum` listing a value twice is an invalid JSON Schema, so AJV refuses the whole response
 * schema and Prism silently validates nothing. Okta's `SamlAssertionEncryption.encryptionAlgorithm`
 * lists `AES256_CBC` twice — reached by every SAML_2_0 app once discriminators apply.
 */
function dedupeEnums(root: Json): number {
  let count = 0;
  forEachObject(root, (value) => {
    const values = value.enum;
    if (Array.isArray(values)) {
      const unique = values.filter((v, i) => values.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) === i);
      if (unique.length !== values.length) {
        value.enum = unique;
        count += 1;
      }
    }
  });
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
  forEachObject(
    root,
    (value) => {
      const oneOf = value.oneOf;
      const discriminator = value.discriminator;
      if (!Array.isArray(oneOf) || !discriminator || typeof discriminator !== 'object' || Array.isArray(discriminator)) return;
      const prop = discriminator.propertyName;
      const mapping = discriminator.mapping;
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
      delete value.oneOf;
      delete value.discriminator;
      value.allOf = [...(Array.isArray(value.allOf) ? value.allOf : []), ...branches];
      count += 1;
    },
    'children-first',
  );
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
    const discriminator = schema.discriminator;
    if (!discriminator || typeof discriminator !== 'object' || Array.isArray(discriminator)) continue;
    const prop = discriminator.propertyName;
    const mapping = discriminator.mapping;
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
      const allOf = sub && typeof sub === 'object' && !Array.isArray(sub) ? sub.allOf : undefined;
      if (Array.isArray(allOf)) {
        for (const part of allOf) {
          if (part && typeof part === 'object' && !Array.isArray(part) && part.$ref === ownRef)
            part.$ref = `#/components/schemas/${baseName}`;
        }
      }
    }
    const branches: Json[] = [...byTarget].map(([target, keys]) => ({
      if: { type: 'object', required: [prop], properties: { [prop]: { enum: keys } } },
      then: { $ref: target },
    }));
    delete schema.discriminator;
    schema.allOf = [...(Array.isArray(schema.allOf) ? schema.allOf : []), ...branches];
    count += 1;
  }
  return count;
}
