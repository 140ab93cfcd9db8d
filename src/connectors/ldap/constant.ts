import type { ConnectorMetadata } from '../connector.js';

/** Resets passwords in an LDAP directory (OpenLDAP) or Active Directory, synchronously. */
export const ldapMetadata = { id: 'ldap', name: 'LDAP' } as const satisfies ConnectorMetadata;

/** RFC 3062's Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

/** The placeholder in `userFilter` that the (escaped) login replaces. */
export const LOGIN_PLACEHOLDER = '{login}';
