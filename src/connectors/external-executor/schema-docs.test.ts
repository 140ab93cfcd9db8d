import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../version.js';
import { externalJobSchema, externalResultSchema, sign } from './index.js';

/**
 * docs/external-executors.md publishes both messages as JSON Schema for people who write
 * executors. These tests regenerate them from the zod schemas resetdesk validates with, so the
 * page can never drift from the code; after changing a schema, paste the new output into the page.
 */
const doc = readFileSync(`${PROJECT_ROOT}docs/external-executors.md`, 'utf8');

/** The first ```json block after `heading` (a line of its own). */
function jsonBlockAfter(heading: string): unknown {
  const lines = doc.split('\n');
  const at = lines.indexOf(heading);
  expect(at, `the heading "${heading}" is missing`).toBeGreaterThanOrEqual(0);
  const open = lines.indexOf('```json', at);
  const close = lines.indexOf('```', open + 1);
  expect(open, `no \`\`\`json block after "${heading}"`).toBeGreaterThan(at);
  return JSON.parse(lines.slice(open + 1, close).join('\n'));
}

describe('docs/external-executors.md', () => {
  it('publishes the job schema resetdesk sends', () => {
    expect(jsonBlockAfter('### Job message schema')).toEqual(z.toJSONSchema(externalJobSchema));
  });

  it('publishes the callback schema resetdesk accepts', () => {
    expect(jsonBlockAfter('### Callback schema')).toEqual(z.toJSONSchema(externalResultSchema));
  });

  it('is draft 2020-12', () => {
    expect(z.toJSONSchema(externalResultSchema).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('has a worked signing example that is right', () => {
    const body = '{"status":"success","message":"Password reset in MAINFRAME."}';
    const current = sign('example-secret-do-not-use-0123456789abcdef', 1_700_000_000, body);
    const next = sign('example-next-secret-do-not-use-9876543210', 1_700_000_000, body);
    expect(doc).toContain(`| \`X-Resetdesk-Signature\` | \`${current}\` |`);
    expect(doc).toContain(`| …with both secrets | \`${current},${next}\` |`);
    expect(doc).toContain(`SHA2-256(stdin)= ${current.slice(3)}`);
  });
});
