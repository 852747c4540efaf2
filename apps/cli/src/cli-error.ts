import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * An expected failure of a command: main prints `message` (one clear line, or lines for listings)
 * on stderr and exits with `exitCode`. Anything else thrown is a bug and exits FAILURE.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
  }
}

/** Bad input from the caller (exit 2). */
export function badInput(message: string): CliError {
  return new CliError(message, ExitCode.BAD_INPUT);
}
