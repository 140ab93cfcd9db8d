import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configShape } from './config.schema.js';

/** Every variable the one config schema reads has its row in docs/configuration.md, and no row names one it does not read. */
describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  // RESETDESK_CONFIG_FILE is read before the schema: it names the file the others may come from.
  const variables = [...Object.keys(configShape), 'RESETDESK_CONFIG_FILE'];

  it('documents every environment variable', () => {
    expect(variables.filter((name) => !doc.includes(`| \`${name}\``))).toEqual([]);
  });

  it('has no table row for a variable resetdesk does not read', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]);
    expect(rows.filter((name) => name && !variables.includes(name))).toEqual([]);
  });
});
