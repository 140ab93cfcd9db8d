import type { ConnectorMetadata } from '../connector.js';

/** Opens a ServiceNow incident for each escalated request and keeps it up to date (Table API). */
export const serviceNowMetadata = { id: 'servicenow', name: 'ServiceNow' } as const satisfies ConnectorMetadata;

/** incident.state: 6 = Resolved (the base system's choice list). */
export const INCIDENT_STATE_RESOLVED = '6';

/** The close code for each way a request ends (the base system's incident close codes). */
export const CLOSE_CODES = {
  Completed: 'Solved (Permanently)',
  Cancelled: 'Closed/Resolved by Caller',
  Rejected: 'Not Solved (Not Reproducible)',
  Failed: 'Not Solved (Not Reproducible)',
} as const;
