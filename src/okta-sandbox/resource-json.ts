import type { SandboxFactor, SandboxGroup, SandboxRole, SandboxUser } from './sandbox-state.js';

/**
 * Okta's JSON for a user's groups, admin role assignments and enrolled factors — the three
 * lists resetdesk reads to decide whether a reset needs a human.
 */

/** A group as `GET /api/v1/users/{id}/groups` lists it (`components.schemas.Group`). */
export function groupJson(group: SandboxGroup, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: 'OKTA_GROUP',
    profile: { name: group.name, ...(group.description !== undefined ? { description: group.description } : {}) },
    _links: {
      logo: [
        { name: 'medium', href: `${base}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${base}/assets/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}

/**
 * A role assignment (`StandardRole`). The `_links` carry only `assignee`: the spec's
 * `oneOf [StandardRole, CustomRole]` tells them apart by CustomRole's extra required links.
 */
export function roleJson(role: SandboxRole, user: SandboxUser, base: string): Record<string, unknown> {
  return {
    id: role.id,
    label: role.label,
    type: role.type,
    status: 'ACTIVE',
    created: role.created,
    lastUpdated: role.lastUpdated,
    assignmentType: 'USER',
    _links: { assignee: { href: `${base}/api/v1/users/${user.id}` } },
  };
}

/** The `profile` Okta shows for each factor type. */
function factorProfile(factor: SandboxFactor, user: SandboxUser): Record<string, unknown> {
  switch (factor.factorType) {
    case 'push':
      return { credentialId: user.login, deviceType: 'SmartPhone_IPhone', name: 'iPhone', platform: 'IOS', version: '17.4' };
    case 'token:software:totp':
    case 'token:hotp':
    case 'token':
    case 'token:hardware':
      return { credentialId: user.login };
    case 'sms':
    case 'call':
      return { phoneNumber: '+1-555-0100' };
    case 'email':
      return { email: user.email };
    case 'question':
      return { question: 'disliked_food', questionText: 'What is the food you least liked as a child?' };
    case 'webauthn':
      return { authenticatorName: 'Touch ID', credentialId: `${factor.id}-cred` };
    default:
      return {};
  }
}

/** An enrolled factor as `GET /api/v1/users/{userId}/factors` lists it (`UserFactor`). */
export function factorJson(factor: SandboxFactor, user: SandboxUser, base: string): Record<string, unknown> {
  const userHref = `${base}/api/v1/users/${user.id}`;
  const self = `${userHref}/factors/${factor.id}`;
  const links: Record<string, unknown> = {
    self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
    user: { href: userHref, hints: { allow: ['GET'] } },
  };
  if (factor.status === 'ACTIVE') links.verify = { href: `${self}/verify`, hints: { allow: ['POST'] } };
  if (factor.status === 'PENDING_ACTIVATION') {
    links.activate = { href: `${self}/lifecycle/activate`, hints: { allow: ['POST'] } };
  }
  return {
    id: factor.id,
    factorType: factor.factorType,
    provider: factor.provider,
    vendorName: factor.provider,
    status: factor.status,
    created: factor.created,
    lastUpdated: factor.lastUpdated,
    profile: factorProfile(factor, user),
    _links: links,
  };
}
