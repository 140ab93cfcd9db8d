import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { policyPageStorage } from './helpers/fake-confluence.js';

/**
 * `resetdesk policy check FILE`, run in-process through the CLI's main() (test/cli.test.ts runs
 * the built bin/; this needs no build): exit 0 with the version, or 1 with FILE:LINE for every error.
 */
const dir = mkdtempSync(join(tmpdir(), 'rd-policy-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('resetdesk policy check', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a valid file: exit 0 and its version', async () => {
    const path = file('good.yaml', 'version: "2026-11-24.1"\nthirdParty: escalate\n');
    expect(await run(['policy', 'check', path])).toEqual({ code: 0, stdout: `${path}: valid, version 2026-11-24.1`, stderr: '' });
  });

  it('the shipped default policy is valid', async () => {
    const path = new URL('../policy/default.policy.yaml', import.meta.url).pathname;
    expect((await run(['policy', 'check', path])).code).toBe(0);
  });

  it('an invalid file: exit 1 and FILE:LINE: path: problem for every error, in line order', async () => {
    const path = file(
      'bad.yaml',
      [
        'version: "x"',
        'thirdParty: maybe',
        'mfa:',
        '  required: perhaps',
        'escalation:',
        '  slaHourz: 4',
        'sensitiveApps: [Payroll, ""]',
        '',
      ].join('\n'),
    );
    const r = await run(['policy', 'check', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines.slice(0, -1)).toEqual([
      `${path}:2: thirdParty: ${lines[0]?.split(': thirdParty: ')[1]}`,
      `${path}:4: mfa.required: ${lines[1]?.split(': mfa.required: ')[1]}`,
      `${path}:6: escalation.slaHourz: unknown key "slaHourz"`,
      `${path}:7: sensitiveApps[1]: must not be empty`,
    ]);
    expect(lines.at(-1)).toBe(`${path}: 4 error(s); the policy is not valid`);
  });

  it('a YAML error (a duplicate key) names its line', async () => {
    const path = file('syntax.yaml', 'version: "x"\nthirdParty: deny\nmfa:\n  required: true\nthirdParty: escalate\n');
    const r = await run(['policy', 'check', path]);
    expect(r.code).toBe(1);
    expect(r.stderr, r.stderr).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: `, 'm'));
  });

  it('a saved Confluence page (storage format): checks its code block, lines counted from the block', async () => {
    const good = file('page.html', policyPageStorage('version: "page-7"\n'));
    expect(await run(['policy', 'check', good])).toMatchObject({
      code: 0,
      stdout: `${good}: valid (the code block; lines counted from its first line), version page-7`,
    });
    const bad = file('bad-page.html', policyPageStorage('version: "page-8"\n\nthirdParty: maybe\n'));
    const r = await run(['policy', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3: thirdParty: `);
  });

  it('a missing file or argument is a clear error', async () => {
    expect(await run(['policy', 'check', join(dir, 'nope.yaml')])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Cannot read'),
    });
    expect(await run(['policy', 'check'])).toMatchObject({ code: 1, stderr: 'Usage: resetdesk policy check FILE' });
  });
});
