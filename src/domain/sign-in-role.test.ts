import { describe, expect, it } from 'vitest';
import { roleFromGroups } from './sign-in-role.js';

const mapping = { approverGroups: ['IT Approvers', 'Helpdesk'], adminGroups: ['IT Admins'] };

describe('roleFromGroups', () => {
  it('makes members of an admin group admins, even when they are also approvers', () => {
    expect(roleFromGroups(['All Staff', 'IT Approvers', 'IT Admins'], mapping)).toBe('admin');
  });

  it('makes members of any approver group approvers', () => {
    expect(roleFromGroups(['Helpdesk'], mapping)).toBe('approver');
    expect(roleFromGroups(['All Staff', 'IT Approvers'], mapping)).toBe('approver');
  });

  it('matches names ignoring case and surrounding spaces', () => {
    expect(roleFromGroups(['  it admins '], mapping)).toBe('admin');
  });

  it('makes everyone else a requester, including people in no group', () => {
    expect(roleFromGroups(['All Staff', 'IT Approvers-ish'], mapping)).toBe('requester');
    expect(roleFromGroups([], mapping)).toBe('requester');
    expect(roleFromGroups(['IT Admins'], { approverGroups: [], adminGroups: [] })).toBe('requester');
  });
});
