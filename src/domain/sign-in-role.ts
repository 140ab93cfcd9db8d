import type { Role } from './types.js';

/** Which groups make a signed-in person an approver or an admin (OIDC_APPROVER_GROUPS, OIDC_ADMIN_GROUPS). */
export interface RoleGroups {
  approverGroups: readonly string[];
  adminGroups: readonly string[];
}

/**
 * The role of someone signed in through the identity provider, from their group names: admin
 * wins over approver, and everyone else files requests for themselves. Names match ignoring
 * case and surrounding spaces, since providers and admins spell them inconsistently. Nobody
 * signs in as `intake`: that role is for channels, which use tokens.
 */
export function roleFromGroups(groups: readonly string[], mapping: RoleGroups): Exclude<Role, 'intake'> {
  const key = (name: string) => name.trim().toLowerCase();
  const mine = new Set(groups.map(key));
  if (mapping.adminGroups.some((g) => mine.has(key(g)))) return 'admin';
  if (mapping.approverGroups.some((g) => mine.has(key(g)))) return 'approver';
  return 'requester';
}
