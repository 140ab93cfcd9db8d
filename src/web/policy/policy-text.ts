import { ApiError, type PolicyIssue } from '../api';
import { t } from '../i18n/translate';

/** One problem as "line 4: mfa.required: Expected boolean" ('' path: a YAML syntax error, no path). */
export function issueLine(issue: PolicyIssue): string {
  return issue.path === ''
    ? t('policy.issueNoPath', { line: issue.line, message: issue.message })
    : t('policy.issue', { line: issue.line, path: issue.path, message: issue.message });
}

function isIssue(value: unknown): value is PolicyIssue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.line === 'number' && typeof v.path === 'string' && typeof v.message === 'string';
}

/** The problems a POLICY_INVALID / POLICY_SOURCE_INVALID error lists in `details.errors`; none for any other error. */
export function policyIssues(error: unknown): PolicyIssue[] {
  if (!(error instanceof ApiError)) return [];
  const errors = (error.details as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors.filter(isIssue) : [];
}
