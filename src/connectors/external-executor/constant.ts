import type { ConnectorMetadata } from '../connector.js';

/** Hands a reset to an executor (an RPA bot, a script) for a credential store resetdesk cannot reach itself. */
export const externalExecutorMetadata = { id: 'external', name: 'External executor' } as const satisfies ConnectorMetadata;
