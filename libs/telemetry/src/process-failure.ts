import type { Logger } from 'pino';
import { redactSecrets } from './redact.js';

/**
 * A promise rejected with nobody awaiting it, or an exception nothing caught, leaves a service in a
 * state nobody designed (a consumer loop gone, a half-closed pool): log one line and exit 1, so that the
 * orchestrator restarts it instead of leaving it half alive. The line holds the error's type, message
 * and stack with connection credentials and the given secret values hidden.
 */
export function exitOnUnhandledFailure(logger: Logger, secrets: ReadonlyArray<string | undefined> = []): void {
  const fail = (kind: string) => (reason: unknown) => {
    logger.fatal({ failure: describeFailure(reason, secrets) }, `${kind}: exiting`);
    process.exit(1);
  };
  process.on('unhandledRejection', fail('unhandled promise rejection'));
  process.on('uncaughtException', fail('uncaught exception'));
}

/** The failure as a log field, secrets hidden (exported for tests). */
export function describeFailure(reason: unknown, secrets: ReadonlyArray<string | undefined> = []): { type: string; message: string; stack?: string } {
  const hide = (text: string) => {
    let shown = redactSecrets(text);
    for (const secret of secrets) if (secret) shown = shown.split(secret).join('***');
    return shown;
  };
  if (reason instanceof Error) {
    return { type: reason.name, message: hide(reason.message), stack: reason.stack === undefined ? undefined : hide(reason.stack) };
  }
  return { type: typeof reason, message: hide(String(reason)) };
}
