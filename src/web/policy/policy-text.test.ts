import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { issueLine, policyIssues } from './policy-text';

describe('policy problems for people', () => {
  it('names the line, the path and the message; a YAML syntax error has no path', () => {
    expect(issueLine({ line: 4, path: 'mfa.required', message: 'Expected boolean' })).toBe('line 4: mfa.required: Expected boolean');
    expect(issueLine({ line: 2, path: '', message: 'Unexpected end' })).toBe('line 2: Unexpected end');
  });

  it("reads POLICY_INVALID's details.errors and skips anything malformed", () => {
    const error = new ApiError('The policy is not valid', 400, 'POLICY_INVALID', {
      errors: [{ line: 2, path: 'thirdParty', message: 'Invalid option' }, { line: 'x' }, null],
    });
    expect(policyIssues(error)).toEqual([{ line: 2, path: 'thirdParty', message: 'Invalid option' }]);
  });

  it('finds none in other errors', () => {
    expect(policyIssues(new ApiError('Forbidden', 403, 'FORBIDDEN'))).toEqual([]);
    expect(policyIssues(new Error('boom'))).toEqual([]);
  });
});
