import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log line. */
const secretPaths = ['password', '*.password', 'dsn', '*.dsn', 'connectionString', '*.connectionString', 'token', '*.token'];

/**
 * The service logger: pino JSON, one line per event, `service` on every line. Secrets are censored by
 * field name; URLs logged as `url`/`*Url` fields must go through redactUrl first, and free text that
 * may hold one (an error from elsewhere) through redactSecrets.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: secretPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
