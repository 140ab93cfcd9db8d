import type { ConnectorMetadata } from '../connector.js';

/** Sends reset links and status updates to requesters by email. */
export const smtpMetadata = { id: 'smtp', name: 'SMTP email' } as const satisfies ConnectorMetadata;
