import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/error-codes.js';
import { DEFAULT_POLICY } from './policy.js';
import { type PolicyIssue, parsePolicyYaml } from './policy-yaml.js';

const DEFAULT_FILE = new URL('../../policy/default.policy.yaml', import.meta.url);

/** Parses text that must fail and returns the thrown error's message and issues. */
function errorsOf(text: string): { message: string; errors: PolicyIssue[] } {
  try {
    parsePolicyYaml(text);
  } catch (err) {
    if (isAppError(err) && err.code === 'POLICY_INVALID') {
      const details = err.details as { errors: PolicyIssue[] };
      return { message: err.message, errors: details.errors };
    }
    throw err;
  }
  throw new Error('expected POLICY_INVALID');
}

describe('policy/default.policy.yaml', () => {
  it('holds exactly DEFAULT_POLICY', () => {
    expect(parsePolicyYaml(readFileSync(DEFAULT_FILE, 'utf8'))).toEqual(DEFAULT_POLICY);
  });
});

describe('parsePolicyYaml', () => {
  it('accepts a minimal policy and fills defaults', () => {
    const p = parsePolicyYaml('version: "7"\nthirdParty: escalate\n');
    expect(p.thirdParty).toBe('escalate');
    expect(p.mfa.required).toBe(true);
  });

  it('reports a YAML syntax error with its line and no path', () => {
    const { errors, message } = errorsOf('version: "1"\nmfa:\n  required: [true\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: '', line: 4 });
    expect(message).toMatch(/^The policy is not valid:\nline 4: /);
  });

  it('reports an unclosed quote on the line it is noticed', () => {
    const { errors } = errorsOf('version: "1\n');
    expect(errors[0]?.line).toBe(2);
  });

  it('reports a duplicate key on its second occurrence', () => {
    const { errors } = errorsOf('version: "1"\nthirdParty: deny\nthirdParty: escalate\n');
    expect(errors).toEqual([{ path: '', line: 3, message: 'Map keys must be unique' }]);
  });

  it('treats an unknown YAML tag as an error', () => {
    const { errors } = errorsOf('version: "1"\nsensitiveApps: !!js/function x\n');
    expect(errors[0]).toMatchObject({ path: '', line: 2 });
  });

  it('reports an unresolved alias on its line', () => {
    const { errors } = errorsOf('version: "1"\n\nsensitiveApps: *apps\n');
    expect(errors[0]).toMatchObject({ path: '', line: 3 });
  });

  it('reports each unknown key on its own line, nested or not', () => {
    const text = [
      'version: "1"', // 1
      'thirdparty: deny', // 2
      'mfa:', // 3
      '  required: true', // 4
      '  factortypes:', // 5
      '    - push', // 6
      'escalation:', // 7
      '  slaHour: 12', // 8
    ].join('\n');
    const { errors, message } = errorsOf(text);
    expect(errors).toEqual([
      { path: 'thirdparty', line: 2, message: 'unknown key "thirdparty"' },
      { path: 'mfa.factortypes', line: 5, message: 'unknown key "factortypes"' },
      { path: 'escalation.slaHour', line: 8, message: 'unknown key "slaHour"' },
    ]);
    expect(message).toContain('line 8: escalation.slaHour: unknown key "slaHour"');
  });

  it('reports wrong types with the value line and dotted path', () => {
    const text = [
      '# comment', // 1
      'version: "1"', // 2
      'privileged:', // 3
      '  adminRoles: all', // 4
      '  groups:', // 5
      '    - Admins', // 6
      '    - 42', // 7
      'mfa:', // 8
      '  required: yes', // 9 (YAML 1.2: a string, not a boolean)
      'escalation:', // 10
      '  slaHours: -1', // 11
    ].join('\n');
    const { errors } = errorsOf(text);
    expect(errors.map((e) => [e.line, e.path])).toEqual([
      [4, 'privileged.adminRoles'],
      [7, 'privileged.groups[1]'],
      [9, 'mfa.required'],
      [11, 'escalation.slaHours'],
    ]);
    expect(errors[2]?.message).toMatch(/boolean/);
  });

  it('points a bad block value at its key line', () => {
    const { errors } = errorsOf('version: "1"\nmfa:\n  factorTypes:\n    a: 1\n');
    expect(errors).toEqual([expect.objectContaining({ path: 'mfa.factorTypes', line: 3 })]);
  });

  it('points a wrong-typed empty value at its key line', () => {
    const { errors } = errorsOf('version: "1"\n\nescalation:\n');
    expect(errors).toEqual([expect.objectContaining({ path: 'escalation', line: 3 })]);
  });

  it('reports a missing version on the line of the parent map', () => {
    const { errors } = errorsOf('\n\nthirdParty: deny\n');
    expect(errors).toEqual([expect.objectContaining({ path: 'version', line: 3 })]);
  });

  it('rejects an unquoted numeric version, naming its line', () => {
    const { errors } = errorsOf('thirdParty: deny\nversion: 1.0\n');
    expect(errors).toEqual([expect.objectContaining({ path: 'version', line: 2 })]);
  });

  it('rejects an empty document and a non-map document on line 1', () => {
    expect(errorsOf('').errors).toEqual([expect.objectContaining({ path: '', line: 1 })]);
    expect(errorsOf('- a\n- b\n').errors).toEqual([expect.objectContaining({ path: '', line: 1 })]);
  });

  it('lists several problems sorted by line', () => {
    const { errors } = errorsOf('escalation:\n  slaHours: "x"\nthirdParty: maybe\nversion: ""\n');
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });
});
