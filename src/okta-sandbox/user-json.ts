import type { SandboxUser } from './sandbox-state.js';

/**
 * Okta's User JSON (`components.schemas.User`). A single user carries the lifecycle links its
 * status allows, as Okta's do; users in a list carry only `self`, as Okta documents.
 */

/** The org's default user type (every sandbox user has it). */
export const USER_TYPE_ID = 'oty1exampleCorpDflt0';

/** The user's `profile` object. */
export function userProfile(user: SandboxUser): Record<string, string | null> {
  return {
    firstName: user.firstName,
    lastName: user.lastName,
    mobilePhone: null,
    secondEmail: null,
    login: user.login,
    email: user.email,
    displayName: `${user.firstName} ${user.lastName}`,
    ...(user.title !== undefined ? { title: user.title } : {}),
    ...(user.department !== undefined ? { department: user.department } : {}),
    organization: 'Example Corp',
  };
}

/** Lifecycle operations Okta links from a user in each status. */
const LINKS_BY_STATUS: Record<string, string[]> = {
  STAGED: ['activate', 'deactivate'],
  PROVISIONED: ['activate', 'deactivate'],
  ACTIVE: [
    'suspend',
    'resetPassword',
    'expirePassword',
    'forgotPassword',
    'changePassword',
    'changeRecoveryQuestion',
    'resetFactors',
    'deactivate',
  ],
  RECOVERY: ['suspend', 'resetPassword', 'expirePassword', 'resetFactors', 'deactivate'],
  PASSWORD_EXPIRED: ['suspend', 'resetPassword', 'expirePassword', 'resetFactors', 'deactivate'],
  LOCKED_OUT: ['unlock', 'suspend', 'resetPassword', 'expirePassword', 'resetFactors', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  DEPROVISIONED: ['activate'],
};

const LINK_PATHS: Record<string, string> = {
  activate: 'lifecycle/activate',
  deactivate: 'lifecycle/deactivate',
  suspend: 'lifecycle/suspend',
  unsuspend: 'lifecycle/unsuspend',
  unlock: 'lifecycle/unlock',
  resetPassword: 'lifecycle/reset_password',
  expirePassword: 'lifecycle/expire_password',
  resetFactors: 'lifecycle/reset_factors',
  forgotPassword: 'credentials/forgot_password',
  changePassword: 'credentials/change_password',
  changeRecoveryQuestion: 'credentials/change_recovery_question',
};

function userLinks(user: SandboxUser, origin: string, full: boolean): Record<string, unknown> {
  const self = `${origin}/api/v1/users/${user.id}`;
  const links: Record<string, unknown> = { self: { href: self } };
  if (!full) return links;
  for (const rel of LINKS_BY_STATUS[user.status] ?? []) {
    links[rel] = { href: `${self}/${LINK_PATHS[rel] ?? rel}`, method: 'POST' };
  }
  links.schema = { href: `${origin}/api/v1/meta/schemas/user/osc1exampleCorpSchm0` };
  links.type = { href: `${origin}/api/v1/meta/types/user/${USER_TYPE_ID}` };
  return links;
}

/** A user as Okta returns it; `full` adds the lifecycle links of a single-user response. */
export function userJson(user: SandboxUser, origin: string, full = false): Record<string, unknown> {
  const credentials: Record<string, unknown> = user.passwordChanged === null ? {} : { password: {} };
  credentials.provider = { type: 'OKTA', name: 'OKTA' };
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: USER_TYPE_ID },
    profile: userProfile(user),
    credentials,
    _links: userLinks(user, origin, full),
  };
}
