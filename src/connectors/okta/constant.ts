import type { ConnectorMetadata } from '../connector.js';

/**
 * Looks requesters up in Okta (status, app assignment, admin roles, groups, MFA factors) and
 * triggers Okta password resets, through the Okta Management API.
 */
export const oktaMetadata = { id: 'okta', name: 'Okta' } as const satisfies ConnectorMetadata;
