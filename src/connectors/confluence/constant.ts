import type { ConnectorMetadata } from '../connector.js';

/** Reads the reset policy (and the reference text shown to approvers) from a Confluence Cloud page. */
export const confluenceMetadata = { id: 'confluence', name: 'Confluence' } as const satisfies ConnectorMetadata;
