import { type Logger, pino } from 'pino';
import type { Config } from './config/config.js';

/** Paths pino blanks out wherever they appear, so secrets never reach the logs. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  // Session cookies and CSRF tokens are credentials too.
  'req.headers.cookie',
  'headers.cookie',
  'cookie',
  'headers["x-csrf-token"]',
  'id_token',
  'idToken',
  'token',
  'apiToken',
  'access_token',
  'client_assertion',
  'privateKeyPem',
  'password',
  '*.token',
  '*.apiToken',
  '*.password',
];

export function createLogger(level: Config['logLevel'], destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'resetdesk' } };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
