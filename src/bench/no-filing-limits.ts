/**
 * Environment that lifts every limit on filing requests (HTTP rate limits, requests per person,
 * duplicates), for the bench and the test suites whose point is a flood of requests from a few
 * requesters: each request is one more to decide. The limits themselves are tested in
 * test/security-limits.test.ts.
 */
export const NO_FILING_LIMITS: Record<string, string> = {
  RATE_LIMIT_PER_IP: '0',
  RATE_LIMIT_PER_TOKEN: '0',
  RATE_LIMIT_PER_INTAKE_TOKEN: '0',
  REQUESTS_PER_PERSON_PER_HOUR: '0',
  OPEN_REQUESTS_PER_PERSON: '0',
  DUPLICATE_REQUESTS: 'allow',
};
