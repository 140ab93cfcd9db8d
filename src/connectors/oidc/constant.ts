import type { ConnectorMetadata } from '../connector.js';

/** Signs people in to the web app through an OpenID Connect provider (Okta, Entra ID, Keycloak, …). */
export const oidcMetadata = { id: 'oidc', name: 'OpenID Connect sign-in' } as const satisfies ConnectorMetadata;
