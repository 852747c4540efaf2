import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { commands } from './commands/index.js';
import { ExitCode } from './exit-codes.js';

/** Builds the `fleetshift` program with every registered command. */
export function buildProgram(): Command {
  const program = new Command('fleetshift')
    .description('Zero-downtime schema changes across fleets of tenant PostgreSQL databases.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of commands) command.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/**
 * Runs the CLI with the given argv (as process.argv) and returns the exit code; every expected failure
 * has already been printed on stderr as one clear message.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return ExitCode.OK;
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has printed its own message (usage errors) or the help/version text.
    return error.exitCode === 0 ? ExitCode.OK : ExitCode.BAD_INPUT;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`fleetshift: internal error: ${detail}\n`);
  return ExitCode.FAILURE;
}
